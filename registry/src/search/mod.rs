//! Search and browse, behind [`SearchIndex`] so that another engine (tantivy,
//! Meilisearch) can replace the embedded one.
//!
//! **Invariant: the index never misses a committed version.** It holds one
//! [`Document`] per template that has a version not yanked, built from the
//! database: rebuilt from it at every start, and refreshed from it after every
//! commit that changes a template (publish, yank). A crash between a commit and
//! the refresh is healed by the rebuild at the next start.

mod memory;
pub mod tokenize;

pub use memory::MemoryIndex;

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What the index knows about one template: its latest version's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `namespace/name`.
    pub name: String,
    pub title: String,
    pub summary: String,
    pub tags: Vec<String>,
    /// The readme's markdown, searched as plain text.
    pub readme: String,
    pub category: String,
    /// The latest version (see `domain::latest`).
    pub version: String,
    pub has_icon: bool,
    /// When the template was last published; browsing sorts by it.
    pub updated_at: DateTime<Utc>,
}

/// A search or browse request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Free text; empty means browse (most recently updated first).
    pub text: String,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

/// One page of results, the total and the facets of all matches.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub items: Vec<Document>,
    pub total: usize,
    /// Matches per category slug.
    pub categories: BTreeMap<String, usize>,
    /// Matches per tag.
    pub tags: BTreeMap<String, usize>,
}

/// A full-text index of templates.
///
/// The embedded index answers from memory, so the methods are synchronous and
/// infallible; a remote engine will need this trait to become async.
pub trait SearchIndex: Send + Sync + 'static {
    /// Replace the whole index with `docs`.
    fn replace_all(&self, docs: Vec<Document>);
    /// Add or replace the document of `doc.name`.
    fn upsert(&self, doc: Document);
    /// Remove a template (when its every version is yanked).
    fn remove(&self, name: &str);
    /// Match, filter, rank, count facets and page.
    fn search(&self, query: &Query) -> Hits;
}
