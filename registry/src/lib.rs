//! The souk registry server: vendors publish template versions, customers and
//! their agents search, resolve, download and follow them.
//!
//! # Layout
//!
//! ```text
//! main.rs      the `souk-registry` binary: clap CLI, `serve` and `migrate`
//! config.rs    the typed `Config`, loaded once (flags > env > TOML file > defaults)
//! startup.rs   `Application::build` (migrate, bootstrap, index, bind) and shutdown
//! routes.rs    every route, in one place
//! error.rs     the one error type, mapped to the JSON error body of api.md
//! auth.rs      tokens, scopes and who may do what
//! api/         thin HTTP handlers (one file per resource) and the wire types
//! domain/      what the handlers call: publish, read, resolve, yank, events
//! db/          diesel and SQL, and nothing else does
//! store/       the `PackageStore` trait and its content-addressed folder
//! search/      the `SearchIndex` trait and its embedded in-memory index
//! events.rs    wakes long-polling agents when an event is committed
//! metrics.rs   Prometheus counters and histograms, and their middleware
//! pages/       the market UI and dev console: HTML handlers over souk-web's page structs
//! demo.rs      the example catalog that `serve --demo` publishes on first start
//! ```
//!
//! # Invariants
//!
//! - **Only `db/` knows diesel and SQL.** Everything else calls the async methods
//!   of [`db::Db`], which run on the blocking pool; rows are converted to wire
//!   types with `From` in [`api::views`], never serialised themselves.
//! - **A publish is all or nothing.** The package goes to the store first (by
//!   digest, so it is idempotent), then one transaction writes the template, the
//!   version with its search fields, and the `published` event. A crash can leave
//!   only an unreferenced blob behind, never a row without its package.
//! - **The database is the source of truth.** The search index is rebuilt from it
//!   at every start and updated after each commit; the event feed is read from it.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod metrics;
pub mod pages;
pub mod routes;
pub mod search;
pub mod startup;
pub mod store;

pub use config::Config;
pub use error::Error;
pub use startup::{AppState, Application};
