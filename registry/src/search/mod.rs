//! Search and browse, behind [`SearchIndex`], with two backends that answer the
//! same [`Query`] with the same [`Hits`]: [`MemoryIndex`] (embedded, the
//! default) and [`MeiliIndex`] (Meilisearch, when `SOUK_SEARCH_URL` is set).
//!
//! **Invariant: the index never misses a committed version.** It holds one
//! [`Document`] per template, built from the database, which stays the only
//! source of truth. The embedded index is rebuilt from it at every start and
//! refreshed from it after every commit that changes a template (publish, yank);
//! a crash between a commit and the refresh is healed by the rebuild at the next
//! start. Meilisearch keeps its documents across restarts, so it is fed from the
//! event outbox instead, with a cursor stored in the database
//! (`domain::index::follow_outbox`): a commit is indexed once, eventually, even
//! across crashes of either side.

mod meili;
mod memory;
pub mod tokenize;

pub use meili::MeiliIndex;
pub use memory::MemoryIndex;

use crate::error::Result;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;

/// The most values one facet lists (the most frequent first), as Meilisearch's
/// `maxValuesPerFacet`, so that both backends answer alike at any scale.
pub const MAX_FACET_VALUES: usize = 100;

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
    /// Every version is yanked: still found, but ranked after every live one.
    pub yanked: bool,
    /// Releases that agents report running this template: the popularity that
    /// breaks ties between equally relevant templates.
    pub installs: u64,
}

/// How far the index has got; kept in `AppState` and shown by `domain::index::status`.
#[derive(Debug, Default)]
pub struct Progress {
    /// The last event the index holds.
    pub(crate) indexed: i64,
    /// Sending documents right now.
    pub(crate) indexing: bool,
    /// Why the last attempt failed, until one succeeds.
    pub(crate) error: Option<String>,
    /// This replica feeds the index (Meilisearch: one replica at a time).
    pub(crate) leading: bool,
    pub(crate) last_success: Option<DateTime<Utc>>,
}

/// The order of results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first; without text, the same as [`Sort::Recent`].
    #[default]
    Relevance,
    /// Most recently updated first.
    Recent,
    /// By title, A to Z (case-insensitive), then by `namespace/name`.
    Name,
    /// Most installed first (releases agents report), then most recent.
    Popular,
}

impl Sort {
    /// `relevance`, `recent`, `name` or `popular`.
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "relevance" => Some(Sort::Relevance),
            "recent" => Some(Sort::Recent),
            "name" => Some(Sort::Name),
            "popular" => Some(Sort::Popular),
            _ => None,
        }
    }
}

/// A search or browse request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Free text; empty means browse.
    pub text: String,
    pub category: Option<String>,
    pub tag: Option<String>,
    /// Whatever the order, yanked-only templates come after every live one.
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// One page of results, the total and the facets of all matches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    pub items: Vec<Document>,
    pub total: usize,
    /// Matches per category slug.
    pub categories: BTreeMap<String, usize>,
    /// Matches per tag (at most [`MAX_FACET_VALUES`], the most frequent).
    pub tags: BTreeMap<String, usize>,
}

/// A full-text index of templates.
///
/// Methods return boxed futures so that the trait stays object-safe: the
/// embedded index answers at once, Meilisearch over HTTP.
pub trait SearchIndex: Send + Sync + 'static {
    /// `embedded` or `meilisearch`.
    fn backend(&self) -> &'static str;
    /// The index's name: its outbox cursor is stored under it.
    fn index_uid(&self) -> &str;
    /// Is it fed from the event outbox (it keeps documents across restarts)
    /// rather than rebuilt at start and refreshed after each commit?
    fn follows_outbox(&self) -> bool;
    /// Make sure the index exists with souk's settings (a no-op when embedded).
    fn configure(&self) -> BoxFuture<'_, Result<()>>;
    /// Replace the whole index with `docs`.
    fn replace_all(&self, docs: Vec<Document>) -> BoxFuture<'_, Result<()>>;
    /// Add or replace the documents of `docs` (by name), in one batch.
    fn upsert(&self, docs: Vec<Document>) -> BoxFuture<'_, Result<()>>;
    /// Remove templates by name, in one batch.
    fn remove(&self, names: Vec<String>) -> BoxFuture<'_, Result<()>>;
    /// Match, filter, rank, count facets and page.
    fn search<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Hits>>;
}

/// Keep the `n` most frequent values (ties by value), as the facets show.
pub(crate) fn top_facets(
    counts: impl IntoIterator<Item = (String, usize)>,
    n: usize,
) -> BTreeMap<String, usize> {
    let mut all: Vec<(String, usize)> = counts.into_iter().collect();
    if all.len() > n {
        all.sort_by(|(a, ca), (b, cb)| cb.cmp(ca).then_with(|| a.cmp(b)));
        all.truncate(n);
    }
    all.into_iter().collect()
}
