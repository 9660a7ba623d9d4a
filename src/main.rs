//! The `connector` binary: parse the command line, run the command, exit 1 with one readable
//! message on failure.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match connector::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // Unknown commands and options exit 1 like every other failure (help and version: 0).
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // The identity commands print only their result.
    let mut telemetry = if cli.command.logs() {
        connector::logging::init("info")
    } else {
        connector::logging::Telemetry::default()
    };
    let result = connector::cli::run(cli).await;
    // Flushes the OTLP exporters off the async workers (their shutdown blocks).
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Plain text on stderr: startup errors are read by people, not log collectors.
            eprintln!("{}", connector::error_report::one_line(&error));
            ExitCode::FAILURE
        }
    }
}
