//! The benchmark's command line answers `--help` with its options. (This test also makes the
//! workspace test build produce the `loadtest-rest` binary, which `scripts/test-all.sh` then runs
//! as the short benchmark without building it again.)

#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn help_lists_the_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_loadtest-rest"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).unwrap();
    for option in ["--short", "--connector", "--concurrency"] {
        assert!(help.contains(option), "{option} missing in:\n{help}");
    }
}
