//! Build information for `GET /Monitoring/Version`: the git commit and the build date, passed to the
//! crate as `CONNECTOR_COMMIT` and `CONNECTOR_BUILD_DATE` (and the build number as `CONNECTOR_BUILD`).
//!
//! Each may be given in the environment of the build (a container or CI build without `.git`);
//! otherwise the commit comes from `git rev-parse HEAD` and the date is the time this script ran
//! (or `SOURCE_DATE_EPOCH`, for reproducible builds). Without git or `.git` the commit is "unknown".

use std::process::Command;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn main() {
    for name in [
        "CONNECTOR_COMMIT",
        "CONNECTOR_BUILD_DATE",
        "CONNECTOR_BUILD",
        "SOURCE_DATE_EPOCH",
    ] {
        println!("cargo:rerun-if-env-changed={name}");
    }
    println!("cargo:rerun-if-changed=build.rs");
    watch_git_head();

    let commit = given("CONNECTOR_COMMIT")
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let date = given("CONNECTOR_BUILD_DATE").unwrap_or_else(build_date);
    let build = given("CONNECTOR_BUILD").unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CONNECTOR_COMMIT={commit}");
    println!("cargo:rustc-env=CONNECTOR_BUILD_DATE={date}");
    println!("cargo:rustc-env=CONNECTOR_BUILD={build}");
}

fn given(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// Runs this script again when HEAD moves (a commit, a checkout), so the commit stays current
/// without rerunning it on every source change. Works in worktrees, where `.git` is a file.
fn watch_git_head() {
    let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) else {
        return;
    };
    println!("cargo:rerun-if-changed={git_dir}/HEAD");
    if let Some(common) = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]) {
        println!("cargo:rerun-if-changed={common}/packed-refs");
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={common}/{reference}");
        }
    }
}

fn build_date() -> String {
    let now = given("SOURCE_DATE_EPOCH")
        .and_then(|secs| secs.parse::<i64>().ok())
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or_else(OffsetDateTime::now_utc);
    now.replace_nanosecond(0)
        .ok()
        .and_then(|date| date.format(&Rfc3339).ok())
        .unwrap_or_else(|| "unknown".into())
}
