//! What a newcomer sees when `connector start` cannot start: every configuration problem in one
//! run, each naming its key and the form it accepts; an unreachable Backbone as one line that
//! names it, each cause once.

use std::process::{Command, Output};

use crate::helpers::FULL_KEY;
use crate::processes::free_port;

fn start(dir: &std::path::Path, env: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command.arg("start").current_dir(dir).env_clear();
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn configuration_problems_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let output = start(
        dir.path(),
        &[
            ("transportLibrary__baseUrl", "ftp://backbone".into()),
            ("infrastructure__httpServer__port", "0".into()),
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "'transportLibrary.baseUrl': must start with 'http://' or 'https://'",
        "'transportLibrary.platformClientId': is required",
        "PLATFORM_CLIENT_ID",
        "'transportLibrary.platformClientSecret': is required",
        "PLATFORM_CLIENT_SECRET",
        "'infrastructure.httpServer.authentication'",
        "apiKey__keys__<name>__key",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(stderr.contains("4 problems"), "{stderr}");
    assert!(
        !dir.path().join("data").exists(),
        "nothing is written for a configuration that cannot start"
    );

    // A weak key and a type error are reported with the missing secret.
    let output = start(
        dir.path(),
        &[
            ("transportLibrary__baseUrl", "http://localhost:1".into()),
            ("PLATFORM_CLIENT_ID", "id".into()),
            ("infrastructure__httpServer__port", "not-a-port".into()),
            (
                "infrastructure__httpServer__authentication__apiKey__keys__weak__key",
                "short".into(),
            ),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'transportLibrary.platformClientSecret'")
            && stderr.contains("'infrastructure.httpServer.port'")
            && stderr.contains("not a port number"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_backbone_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let backbone = format!("http://localhost:{}", free_port());
    let output = start(
        dir.path(),
        &[
            ("transportLibrary__baseUrl", backbone.clone()),
            ("PLATFORM_CLIENT_ID", "id".into()),
            ("PLATFORM_CLIENT_SECRET", "secret".into()),
            ("transportLibrary__platformTimeout", "5000".into()),
            ("infrastructure__httpServer__port", "0".into()),
            (
                "infrastructure__httpServer__authentication__apiKey__keys__full__key",
                FULL_KEY.into(),
            ),
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .filter(|l| l.contains("could not be loaded or created"))
        .collect::<Vec<_>>();
    assert_eq!(line.len(), 1, "one line about the failure:\n{stderr}");
    let line = line[0];
    assert!(line.contains(&backbone), "names the Backbone URL: {line}");
    for cause in [
        "Backbone request failed",
        "error sending request",
        "Connection refused",
    ] {
        assert!(
            line.matches(cause).count() <= 1,
            "{cause:?} repeated: {line}"
        );
    }
    assert!(
        line.contains("Connection refused"),
        "names the root cause: {line}"
    );
}
