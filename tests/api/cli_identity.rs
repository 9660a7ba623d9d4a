//! `connector identity status`, `identityDeletion init|cancel` as processes (`connector-operations.md`
//! §4): the built binary against a dev Backbone and an embedded data folder, config by `-c`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

use crate::brokers::{AMQP_URL, amqp_consumer, delete_exchange, unique};
use crate::rest_peer::start_backbone;

/// Runs the binary with a clean environment (no inherited `__` configuration) in `dir`.
fn connector(dir: &Path, args: &[&str]) -> impl std::future::Future<Output = Output> + use<> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command.args(args).current_dir(dir).env_clear();
    async move {
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }
}

/// The next event the AMQP consumer received (the command has ended, so it was published).
async fn next(events: &mut crate::brokers::Received) -> (String, serde_json::Value) {
    tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
        .await
        .expect("the event reached the broker")
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Succeeded, printed exactly `expected` (plus the newline), nothing on stderr.
fn assert_printed(output: &Output, expected: &str) {
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout(output), format!("{expected}\n"), "{output:?}");
    assert_eq!(stderr(output), "", "logging is off");
}

#[tokio::test]
async fn identity_status_and_deletion_init_and_cancel() {
    let backbone = start_backbone().await;
    // The commands load the message brokers like `start`: the deletion's events reach them.
    let exchange = unique("connector-cli-test");
    let (amqp, mut events) = amqp_consumer(&exchange).await;
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "transportLibrary": {
            "baseUrl": backbone.base_url(),
            "platformClientId": "test",
            "platformClientSecret": "test",
        },
        "database": {"folder": dir.path().join("data")},
        "modules": {"messageBrokerPublisher": {"enabled": true, "brokers": [
            {"type": "AMQP", "configuration": {"url": AMQP_URL, "exchange": exchange}}
        ]}},
    });
    let config_path = dir.path().join("connector.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let config_path = config_path.to_str().unwrap();
    // Runs in a different directory than the config, so only `-c`/`--config` can find it.
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str], flag: &'static str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([flag, config_path]);
        connector(elsewhere.path(), &all)
    };

    // First start creates the identity; status prints its address only.
    let status = run(&["identity", "status"], "-c").await;
    assert!(status.status.success(), "{status:?}");
    let address_line = stdout(&status).trim_end().to_owned();
    let address = address_line
        .strip_prefix("Identity Address: ")
        .unwrap_or_else(|| panic!("{address_line}"))
        .to_owned();
    assert!(address.starts_with("did:e:localhost:dids:"), "{address}");
    assert_printed(&status, &address_line);

    let init = run(&["identityDeletion", "init"], "--config").await;
    assert_printed(&init, "Identity deletion initiated");
    let (namespace, started) = next(&mut events).await;
    assert_eq!(namespace, "transport.identityDeletionProcessStatusChanged");
    assert_eq!(started["status"], "Active");

    // With an active deletion: status, and the end of the grace period as M/D/YYYY.
    let status = run(&["identity", "status"], "-c").await;
    assert!(status.status.success(), "{status:?}");
    let text = stdout(&status);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], address_line);
    assert_eq!(lines[1], "Identity deletion status: Active");
    let date = lines[2]
        .strip_prefix("End of grace period: ")
        .unwrap_or_else(|| panic!("{text}"));
    let parts: Vec<u32> = date.split('/').map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "{date}");
    let today = time::OffsetDateTime::now_utc().date();
    let end = time::Date::from_calendar_date(
        parts[2] as i32,
        time::Month::try_from(parts[0] as u8).unwrap(),
        parts[1] as u8,
    )
    .unwrap();
    assert!(end > today, "the grace period ends in the future: {date}");

    // A second init is refused while one is active.
    let again = run(&["identityDeletion", "init"], "-c").await;
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(
        stderr(&again).contains(
            "This command failed with the code 'error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists'"
        ),
        "{again:?}"
    );

    let cancel = run(&["identityDeletion", "cancel"], "-c").await;
    assert_printed(&cancel, "Identity deletion cancelled");
    let (namespace, cancelled) = next(&mut events).await;
    assert_eq!(namespace, "transport.identityDeletionProcessStatusChanged");
    assert_eq!(cancelled["status"], "Cancelled");
    assert_eq!(cancelled["id"], started["id"]);
    let status = run(&["identity", "status"], "-c").await;
    assert_printed(&status, &address_line);

    let cancel_again = run(&["identityDeletion", "cancel"], "-c").await;
    assert_eq!(cancel_again.status.code(), Some(1), "{cancel_again:?}");
    assert_eq!(stdout(&cancel_again), "");
    assert_eq!(
        stderr(&cancel_again),
        "This command failed with the code 'error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess' and the message 'No active IdentityDeletionProcess found.'.\n"
    );
    // Time under test: an absence can only be seen over a window (an event ends it at once).
    let late = tokio::time::timeout(std::time::Duration::from_millis(200), events.recv()).await;
    assert!(
        !matches!(late, Ok(Some(_))),
        "no event for the refused commands: {late:?}"
    );
    delete_exchange(&amqp, &exchange).await;
}

#[tokio::test]
async fn unknown_commands_and_options_fail_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["identities"][..],
        &["identity", "delete"],
        &["identityDeletion", "init", "--force"],
    ] {
        let output = connector(dir.path(), args).await;
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        assert!(stderr(&output).contains("error:"), "{args:?}: {output:?}");
    }
    let help = connector(dir.path(), &["identityDeletion", "-h"]).await;
    assert!(help.status.success(), "{help:?}");
    for command in ["init", "cancel"] {
        assert!(stdout(&help).contains(command), "{help:?}");
    }
}

#[tokio::test]
async fn identity_commands_without_a_sub_command() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["identity", "identityDeletion"] {
        let output = connector(dir.path(), &[command]).await;
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert_eq!(stderr(&output), "Please specify a command\n", "{command}");
        assert_eq!(stdout(&output), "");
    }
}
