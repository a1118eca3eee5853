//! `souk`, the vendor command line of the souk application marketplace.
//!
//! Layout:
//! - [`cli`]: the clap definitions; arguments arrive parsed into domain types.
//! - [`commands`]: one module per command; [`commands::run`] dispatches.
//! - [`registry`]: [`registry::RegistryClient`], the registry's HTTP API as typed calls.
//! - [`output`]: data on stdout (text or JSON), messages on stderr, colours.
//! - [`error`]: [`Error`], the one error type, with its hints and exit code.
//! - [`agent`]: the souk agent: render, plan, run on Docker, probe, roll back.
//!
//! Templates are read, validated and packed by `souk-schema`, the same code the
//! registry runs, so `souk lint` passing means the registry accepts the format.
//! `main.rs` only parses arguments, runs [`commands::run`] and maps the outcome
//! to an exit code.

pub mod agent;
pub mod cli;
pub mod commands;
pub mod error;
pub mod export;
pub mod output;
pub mod registry;

pub use error::Error;
