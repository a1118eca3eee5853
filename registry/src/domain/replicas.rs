//! Keeping one replica in step with the others on a shared PostgreSQL
//! database.
//!
//! A replica learns of its own commits directly (publish and yank invalidate
//! its read cache, refresh its search index and wake its long polls before
//! they answer). [`follow`] does the same for every commit, whoever made it:
//! woken by a notification (see [`crate::db::notify`]), and at least every
//! [`FALLBACK_POLL`] even unwoken, it reads the events past its cursor, and for
//! each template they name invalidates the cache and refreshes the embedded
//! index, then moves the event bus so that long polls held here wake up.
//! Reports stored by other replicas refresh the installs the index ranks by.
//!
//! Reads served by a replica that has not followed a commit yet are at most
//! that notification's delay behind (tens of milliseconds, measured in
//! `bench/`); agents resolve again on every round, so none stays behind.

use super::index;
use crate::db::notify::Notice;
use crate::startup::AppState;
use souk_schema::TemplateName;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest a replica goes without reading the feed, notification or not.
pub const FALLBACK_POLL: Duration = Duration::from_secs(5);
/// Events read per page while catching up.
const PAGE: i64 = 500;

/// Follow what every replica commits until the server stops.
pub async fn follow(state: Arc<AppState>, mut notices: mpsc::Receiver<Notice>) {
    let mut cursor = state.events.subscribe().borrow().head;
    let mut bus = state.events.subscribe();
    loop {
        let notice = tokio::select! {
            notice = notices.recv() => match notice {
                Some(n) => Some(n),
                None => return,
            },
            () = tokio::time::sleep(FALLBACK_POLL) => None,
            _ = bus.wait_for(|s| s.closing) => return,
        };
        if let Some(Notice::Reports(templates)) = notice {
            refresh_installs(&state, templates).await;
            continue;
        }
        if let Err(e) = catch_up(&state, &mut cursor).await {
            tracing::warn!(error = %e, "could not follow the other replicas' events; trying again");
        }
    }
}

/// Apply every event past `cursor`, page by page.
async fn catch_up(state: &AppState, cursor: &mut i64) -> crate::error::Result<()> {
    loop {
        let page = state.db.events_after(*cursor, None, PAGE).await?;
        let Some(last) = page.events.last().map(|e| e.id) else {
            *cursor = (*cursor).max(page.head);
            state.events.committed(*cursor);
            return Ok(());
        };
        let names: BTreeSet<&str> = page.events.iter().map(|e| e.template.as_str()).collect();
        for name in names {
            state.cache.invalidate(name);
            if let Ok(name) = TemplateName::parse(name) {
                index::refresh(state, &name).await;
            }
        }
        *cursor = last;
        // After the cache and the index: a long poll woken now reads them new.
        state.events.committed(last);
    }
}

/// Installs changed for `templates` (`None`: for any).
async fn refresh_installs(state: &AppState, templates: Option<Vec<String>>) {
    match templates {
        Some(names) => {
            for name in names {
                if let Ok(name) = TemplateName::parse(&name) {
                    index::refresh(state, &name).await;
                }
            }
        }
        None if !state.search.follows_outbox() => {
            if let Err(e) = index::rebuild(state).await {
                tracing::warn!(error = %e, "could not rebuild the search index after reports");
            }
        }
        None => {}
    }
}
