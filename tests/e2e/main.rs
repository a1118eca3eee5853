//! End-to-end tests: the real `souk-registry` and `souk` binaries as separate
//! processes, talking over HTTP on loopback.

mod agent;
mod cli;
mod crash;
mod demo;
mod deploy;
mod web;
