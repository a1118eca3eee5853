//! [`AppState`]: what every handler, page and background task shares.
//!
//! It holds the parts below the domain (database, package store, search
//! index, event bus, metrics, read cache) and nothing above it: `domain/`
//! takes `&AppState`, and `startup.rs` opens one (`AppState::open`).

use crate::cache::TemplateCache;
use crate::db::Db;
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::search::{Progress, SearchIndex};
use crate::store::PackageStore;
use std::sync::Arc;

/// What every handler shares.
pub struct AppState {
    pub db: Db,
    pub store: Arc<dyn PackageStore>,
    pub search: Arc<dyn SearchIndex>,
    pub events: EventBus,
    pub metrics: Metrics,
    /// Template documents and resolution candidates, invalidated on commit.
    pub cache: TemplateCache,
    /// The last event applied to the cache, the index and the bus here (see
    /// `domain::follow`); held while applying, so events apply in order.
    pub(crate) applied: tokio::sync::Mutex<i64>,
    /// Serialises "read a template from the database, update its search
    /// document", so that a slow refresh cannot put back an older state.
    pub(crate) index_lock: tokio::sync::Mutex<()>,
    /// How far the search index has got (see `domain::index::status`).
    pub(crate) search_progress: std::sync::Mutex<Progress>,
}

impl AppState {
    /// The state over opened parts; `head` is the database's last event, which
    /// the cache, the index and the bus have applied.
    pub fn new(
        db: Db,
        store: Arc<dyn PackageStore>,
        search: Arc<dyn SearchIndex>,
        head: i64,
    ) -> AppState {
        AppState {
            db,
            store,
            search,
            events: EventBus::new(head),
            metrics: Metrics::new(),
            cache: TemplateCache::default(),
            applied: tokio::sync::Mutex::new(head),
            index_lock: tokio::sync::Mutex::new(()),
            search_progress: std::sync::Mutex::default(),
        }
    }
}
