//! Browsing the market: categories, search, and the health (and the metrics'
//! gauges) of what serves it.

use crate::db::CategoryRow;
use crate::error::{Error, Result};
use crate::metrics::{Gauges, PoolGauge, ProcessStats};
use crate::search::{Document, Hits, Query, Sort};
use crate::state::AppState;
use souk_schema::wire::ReleaseState;

/// The most results one page may hold.
pub const MAX_PER_PAGE: usize = 100;
/// Results per page when the caller does not say.
pub const DEFAULT_PER_PAGE: usize = 20;

/// Every category with its number of templates, in display order.
pub async fn categories(state: &AppState) -> Result<Vec<(CategoryRow, i64)>> {
    state.db.categories_with_counts().await
}

/// What to search for, as the caller asked.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub text: String,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub sort: Sort,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

/// One page of matches.
#[derive(Debug)]
pub struct SearchPage {
    /// The page's documents, the total and the facets over every match.
    pub hits: Hits,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

/// Suggestions the search box shows as the user types.
pub const SUGGESTIONS: usize = 8;
/// Longer input is not a search-box prefix: cut there.
const MAX_SUGGEST_CHARS: usize = 100;

/// Search (or browse, with no text) one page of templates.
pub async fn search(state: &AppState, s: Search) -> Result<SearchPage> {
    if s.page == 0 {
        return Err(Error::BadRequest("`page` starts at 1".into()));
    }
    if s.per_page == 0 || s.per_page > MAX_PER_PAGE {
        return Err(Error::BadRequest(format!(
            "`per_page` must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    let query = Query {
        text: s.text,
        category: s.category,
        tag: s.tag,
        sort: s.sort,
        offset: (s.page - 1).saturating_mul(s.per_page),
        limit: s.per_page,
    };
    Ok(SearchPage {
        hits: state.search.search(&query).await?,
        page: s.page,
        per_page: s.per_page,
    })
}

/// A handful of names and titles for the search box, best first; live
/// templates only (a yanked-only template is not worth suggesting).
pub async fn suggest(state: &AppState, text: &str) -> Result<Vec<Document>> {
    let text: String = text.chars().take(MAX_SUGGEST_CHARS).collect();
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let query = Query {
        text,
        limit: SUGGESTIONS,
        ..Query::default()
    };
    let hits = state.search.search(&query).await?;
    Ok(hits.items.into_iter().filter(|d| !d.yanked).collect())
}

/// Are the database and the package store reachable?
pub async fn health(state: &AppState) -> Result<()> {
    // The cause is logged here, as a warning, because a 503 is not an internal
    // error the error type would log, yet the operator needs to know why.
    if let Err(e) = state.db.ping().await {
        tracing::warn!(error = %e, "health check: the database is not reachable");
        return Err(Error::Unavailable("the database is not reachable".into()));
    }
    if let Err(e) = state.store.check().await {
        tracing::warn!(error = %e, "health check: the package store is not usable");
        return Err(Error::Unavailable("the package store is not usable".into()));
    }
    Ok(())
}

/// What `/metrics` reads at each scrape besides the counters: the process,
/// the database pool, the search index's lag and the agents' releases per
/// state. A database that does not answer leaves the releases out (and is
/// logged), so that the rest is still scraped.
pub async fn gauges(state: &AppState) -> Gauges {
    let release_states = match state.db.release_states().await {
        Ok(rows) => Some(
            ReleaseState::ALL
                .iter()
                .map(|s| {
                    let n = rows
                        .iter()
                        .filter(|(name, _)| name == s.as_str())
                        .map(|(_, n)| n)
                        .sum();
                    (s.as_str(), n)
                })
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot count the agents' releases");
            None
        }
    };
    let usage = state.db.pool_usage();
    let process = match super::blocking(ProcessStats::read).await {
        Ok(Ok(p)) => Some(p),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "metrics: cannot read `/proc/self`");
            None
        }
        Err(_) => None,
    };
    Gauges {
        process,
        pool: PoolGauge {
            connections: usage.connections,
            idle: usage.idle,
            max: usage.max,
        },
        search_lag_events: super::index::status(state).await.pending_events,
        release_states,
    }
}
