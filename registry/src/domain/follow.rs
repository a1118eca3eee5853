//! How committed events reach this process: its read cache, its embedded
//! search index and its long polls.
//!
//! One way for every commit, whoever made it: [`catch_up`] reads the events
//! past the last one applied here, in id order, and for each template they name
//! invalidates the cache and refreshes the index, then moves the event bus, so
//! that the bus head always means "every event up to here is applied in this
//! process" (what long polls and `Souk-Seen-Event` rely on). A publish or yank
//! runs it before answering ([`committed`]). On PostgreSQL, where other
//! replicas commit too, [`replicas`] runs it when a notification arrives (see
//! [`crate::db::notify`]) and at least every [`FALLBACK_POLL`] unwoken.

use super::index;
use crate::db::notify::Notice;
use crate::error::Result;
use crate::state::AppState;
use souk_schema::TemplateName;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest a replica goes without reading the feed, notification or not.
pub const FALLBACK_POLL: Duration = Duration::from_secs(5);
/// Events read per page while catching up.
const PAGE: i64 = 500;

/// This process committed event `event` about `name`: apply it, and any
/// event before it, before answering. Should the database not answer right
/// after the commit, the template's cache entry is dropped all the same and
/// the next catch-up applies the rest (the change is committed: the caller
/// succeeds).
pub async fn committed(state: &AppState, name: &TemplateName, event: i64) {
    if let Err(e) = catch_up_to(state, event).await {
        state.cache.invalidate(&name.to_string());
        tracing::warn!(template.name = %name, error = %e, "could not apply a commit here yet; the next one will");
    }
}

/// Apply every event past the last one applied here, page by page.
pub async fn catch_up(state: &AppState) -> Result<()> {
    catch_up_to(state, i64::MAX).await
}

/// [`catch_up`], unless event `event` is applied already (a concurrent
/// catch-up took it along).
async fn catch_up_to(state: &AppState, event: i64) -> Result<()> {
    let mut applied = state.applied.lock().await;
    while *applied < event {
        let page = state.db.events_after(*applied, None, PAGE).await?;
        let Some(last) = page.events.last().map(|e| e.id) else {
            *applied = (*applied).max(page.head);
            state.events.committed(*applied);
            return Ok(());
        };
        let names: BTreeSet<&str> = page.events.iter().map(|e| e.template.as_str()).collect();
        for name in names {
            state.cache.invalidate(name);
            if let Ok(name) = TemplateName::parse(name) {
                index::refresh(state, &name).await;
            }
        }
        // A short page holds every event up to the head it was read against.
        let full = page.events.len() as i64 == PAGE;
        *applied = if full { last } else { last.max(page.head) };
        // After the cache and the index: a long poll woken now reads them new.
        state.events.committed(*applied);
        if !full {
            return Ok(());
        }
    }
    Ok(())
}

/// On PostgreSQL: follow what the other replicas commit until the server stops.
pub async fn replicas(state: Arc<AppState>, mut notices: mpsc::Receiver<Notice>) {
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
        if let Err(e) = catch_up(&state).await {
            tracing::warn!(error = %e, "could not follow the other replicas' events; trying again");
        }
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
