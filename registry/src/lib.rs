//! The souk registry server: vendors publish template versions, customers and
//! their agents search, resolve, download and follow them.
//!
//! The map of the modules, their layering (`api/` and `pages/` → `domain/` →
//! `db/`, `store/`, `search/`, `cache`, `events`; the shared [`state::AppState`]
//! in its own module) and the invariants they keep are in the repository's
//! `ARCHITECTURE.md`, section "The registry".

pub mod api;
pub mod auth;
pub mod cache;
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
pub mod state;
pub mod store;

pub use config::Config;
pub use error::Error;
pub use startup::Application;
pub use state::AppState;
