//! `connector backbone` and `connector dev`: the development Backbone, alone or in-process
//! behind a sandbox Connector.
//!
//! The `devbackbone` crate does not export its server yet, so both commands refuse to run with
//! a clear message instead of pretending to work.

use crate::cli::{BackboneArgs, CliError, StartArgs};

const MISSING: &str =
    "the development Backbone is not part of this build yet (crate devbackbone has no server)";

/// `connector backbone`.
pub fn run_backbone(_args: BackboneArgs) -> Result<(), CliError> {
    Err(CliError::Backbone(MISSING.into()))
}

/// `connector dev`.
pub fn run_dev(_args: StartArgs) -> Result<(), CliError> {
    Err(CliError::Backbone(MISSING.into()))
}
