//! HTTP-level tests of the Connector edge: one test binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actors;
mod attributes;
mod auth;
mod auto_modules;
mod brokers;
mod challenges;
mod cli_backbone;
mod cli_identity;
mod config;
mod contract_tokens;
mod errors;
mod files_messages;
mod health;
mod helpers;
mod hostile_input;
mod otel;
mod processes;
mod qr;
mod relationships;
mod replicas;
mod requests;
mod rest_peer;
mod small_areas;
mod telemetry;
mod webhooks;
