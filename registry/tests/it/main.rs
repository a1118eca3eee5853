//! The registry over real HTTP: each test starts the real server (`TestApp`) on
//! a free port with a fresh data folder, once on SQLite and once on PostgreSQL
//! (see `databases`).

mod auth;
mod cli;
mod databases;
mod demo;
mod events;
mod fleet;
mod helpers;
mod http;
mod layering;
mod oci;
mod publish;
mod relevance;
mod replicas;
mod resolve;
mod search;
