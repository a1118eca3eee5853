//! souk's market UI and dev console: server-rendered pages, no database, no
//! HTTP server. The registry's page handlers (`souk_registry::pages`) call
//! the domain, fill a page struct of [`pages`] and render it.
//!
//! # Layout
//!
//! ```text
//! pages.rs     one `#[derive(askama::Template)]` struct per page, and view models
//! i18n.rs      `Lang` (cookie, then Accept-Language) and every UI string, en and zh
//! markdown.rs  README/changelog markdown → sanitised HTML (pulldown-cmark + ammonia)
//! topology.rs  the component diagram: layout here, SVG drawn by templates/topology.svg
//! diff.rs      what changed between two versions' manifests
//! assets.rs    static/ (CSS, icons, JS), embedded in the binary
//! url.rs       query strings for shareable links
//! templates/   the askama templates (base.html is the frame of every page)
//! ```
//!
//! # Invariants
//!
//! - **Only this crate renders HTML**, and only through askama templates, which
//!   escape everything. The two exceptions are HTML by construction: sanitised
//!   markdown and the topology SVG (itself an askama template).
//! - **No external resource.** Pages load only `/static/…` of the same registry:
//!   customer sites are often offline.

pub mod assets;
pub mod diff;
pub mod i18n;
pub mod markdown;
pub mod pages;
pub mod topology;
pub mod url;

pub use askama::Template;
pub use i18n::Lang;
