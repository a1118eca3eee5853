//! Keeping the search index in step with the database (see the invariant in
//! [`crate::search`]).
//!
//! The embedded index is rebuilt at start ([`rebuild`]) and refreshed after
//! each commit ([`refresh`]). Meilisearch is fed by [`follow_outbox`]: it reads
//! the events after its stored cursor, in batches, re-reads the templates they
//! name, sends their documents in one request, then moves the cursor; on a
//! failure it retries with backoff and shows the error in [`status`].

use super::latest;
use crate::db::notify::Leadership;
use crate::db::{utc, TemplateWithVersions};
use crate::error::Result;
use crate::search::{Document, Progress};
use crate::state::AppState;
use chrono::Utc;
use souk_schema::backoff::Backoff;
use souk_schema::wire::SearchStatus;
use souk_schema::TemplateName;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Events read from the outbox per batch.
const OUTBOX_BATCH: i64 = 500;
/// The first and the longest wait before retrying a failed batch.
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// A caught-up feeder looks at the outbox at least this often, even unwoken;
/// a standing-by replica tries to take over as often.
const IDLE_POLL: Duration = Duration::from_secs(10);
/// The advisory lock of the one replica that feeds Meilisearch.
pub const FEEDER_LOCK: i64 = 0x736f_756d;

fn progress(state: &AppState) -> std::sync::MutexGuard<'_, Progress> {
    state
        .search_progress
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The search document of a template: its latest version's fields. A
/// template whose every version is yanked is still found, flagged `yanked` so
/// that it ranks last.
fn document(
    t: &TemplateWithVersions,
    readmes: &HashMap<i64, String>,
    installs: &HashMap<String, u64>,
) -> Option<Document> {
    let v = latest(&t.versions)?;
    let name = t.template.full_name();
    Some(Document {
        installs: installs.get(&name).copied().unwrap_or(0),
        name,
        title: v.title.clone(),
        summary: v.summary.clone(),
        tags: v.tag_list(),
        readme: readmes.get(&v.id).cloned().unwrap_or_default(),
        category: v.category.clone(),
        version: v.version.clone(),
        has_icon: v.icon.is_some(),
        updated_at: utc(t.template.updated_at),
        yanked: v.yanked,
    })
}

/// The documents of `templates`, read with their readmes and installs.
async fn documents(state: &AppState, templates: &[TemplateWithVersions]) -> Result<Vec<Document>> {
    let ids = templates
        .iter()
        .filter_map(|t| latest(&t.versions).map(|v| v.id))
        .collect();
    let readmes = state.db.readmes(ids).await?;
    let only = (templates.len() < 500).then(|| {
        templates
            .iter()
            .map(|t| t.template.full_name())
            .collect::<Vec<_>>()
    });
    let installs = state.db.installs(only).await?;
    Ok(templates
        .iter()
        .filter_map(|t| document(t, &readmes, &installs))
        .collect())
}

/// Rebuild the whole index from the database; returns how many templates it
/// holds. For Meilisearch this also sets the index's settings and moves the
/// outbox cursor to the events the rebuild has seen.
pub async fn rebuild(state: &AppState) -> Result<usize> {
    let _serial = state.index_lock.lock().await;
    let search = &state.search;
    if search.follows_outbox() {
        search.configure().await?;
    }
    // The head is read before the templates: an event committed meanwhile is
    // fed again by the outbox, never skipped.
    let head = state.db.event_head().await?;
    let templates = state.db.all_templates().await?;
    let docs = documents(state, &templates).await?;
    let n = docs.len();
    {
        progress(state).indexing = true;
    }
    let sent = search.replace_all(docs).await;
    {
        let mut p = progress(state);
        p.indexing = false;
        if let Err(e) = &sent {
            p.error = Some(e.to_string());
        }
    }
    sent?;
    if search.follows_outbox() {
        state
            .db
            .set_search_cursor(search.index_uid().to_string(), head)
            .await?;
    }
    let mut p = progress(state);
    p.indexed = head;
    p.error = None;
    p.last_success = Some(Utc::now());
    Ok(n)
}

/// Re-read one template from the database and update its document, after a
/// commit that changed it (embedded index only: Meilisearch is fed from the
/// outbox, which the same commit wakes).
///
/// Refreshes are serialised and each reads after its own commit, so the last
/// one to run has seen every commit before it: a slow refresh can never put an
/// older state back. A failure here is logged, not returned: the change is
/// committed, so the caller must hear of its success, and the next start
/// rebuilds the index from the database anyway.
pub async fn refresh(state: &AppState, name: &TemplateName) {
    if state.search.follows_outbox() {
        return;
    }
    let result: Result<()> = async {
        let _serial = state.index_lock.lock().await;
        let key = name.to_string();
        let Some(t) = state
            .db
            .template(name.namespace().to_string(), name.name().to_string())
            .await?
        else {
            return state.search.remove(vec![key]).await;
        };
        match documents(state, std::slice::from_ref(&t)).await?.pop() {
            Some(doc) => state.search.upsert(vec![doc]).await,
            None => state.search.remove(vec![key]).await,
        }
    }
    .await;
    if let Err(e) = result {
        tracing::error!(
            template.name = %name,
            error = %e,
            "could not refresh the search index; it is rebuilt at the next start"
        );
    }
}

/// Feed one batch of the outbox to the index; `Ok(false)` when caught up.
async fn feed_once(state: &AppState) -> Result<bool> {
    let uid = state.search.index_uid().to_string();
    let Some(cursor) = state.db.search_cursor(uid.clone()).await? else {
        let n = rebuild(state).await?;
        tracing::info!(templates = n, index = %uid, "search index built from the database");
        return Ok(true);
    };
    let page = state.db.events_after(cursor, None, OUTBOX_BATCH).await?;
    let Some(last) = page.events.last().map(|e| e.id) else {
        let mut p = progress(state);
        p.indexed = cursor;
        p.error = None;
        return Ok(false);
    };
    let _serial = state.index_lock.lock().await;
    progress(state).indexing = true;
    let names: BTreeSet<String> = page.events.iter().map(|e| e.template.clone()).collect();
    let mut found = Vec::new();
    let mut gone = Vec::new();
    for name in names {
        let (ns, short) = name.split_once('/').unwrap_or(("", &name));
        match state.db.template(ns.to_string(), short.to_string()).await? {
            Some(t) => found.push(t),
            None => gone.push(name),
        }
    }
    let docs = documents(state, &found).await?;
    let n = docs.len();
    state.search.upsert(docs).await?;
    state.search.remove(gone).await?;
    state.db.set_search_cursor(uid, last).await?;
    tracing::debug!(
        documents = n,
        event.id = last,
        "search index fed from the outbox"
    );
    let mut p = progress(state);
    p.indexed = last;
    p.indexing = false;
    p.error = None;
    p.last_success = Some(Utc::now());
    Ok(true)
}

/// Feed Meilisearch from the event outbox until the server stops: settings
/// first, a full build when the index has no cursor yet, then batch after
/// batch, woken by each commit. Failures are retried with backoff.
///
/// Of several replicas on one database, one feeds at a time: the one that
/// holds [`FEEDER_LOCK`] (see [`crate::db::notify`]). The others stand by
/// ([`status`] shows the leader's progress) and take over when its session
/// ends.
pub async fn follow_outbox(state: Arc<AppState>) {
    let mut wake = state.events.subscribe();
    let mut configured = false;
    let mut backoff = Backoff::new(RETRY_MIN, RETRY_MAX);
    let mut lead: Option<Leadership> = None;
    loop {
        if wake.borrow_and_update().closing {
            return;
        }
        lead = match lead.take() {
            Some(held) => held.still_held().await,
            None => match state.db.try_lead(FEEDER_LOCK).await {
                Ok(Some(won)) => {
                    tracing::info!("this replica feeds the search index");
                    Some(won)
                }
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "could not ask which replica feeds the search index");
                    None
                }
            },
        };
        progress(&state).leading = lead.is_some();
        if lead.is_none() {
            // Not on every commit: each try opens a session to PostgreSQL.
            tokio::select! {
                _ = wake.wait_for(|s| s.closing) => return,
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
            continue;
        }
        let step = async {
            if !configured {
                state.search.configure().await?;
                configured = true;
            }
            feed_once(&state).await
        };
        match step.await {
            Ok(true) => backoff.reset(),
            Ok(false) => {
                backoff.reset();
                tokio::select! {
                    changed = wake.changed() => if changed.is_err() { return },
                    () = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Err(e) => {
                {
                    let mut p = progress(&state);
                    p.indexing = false;
                    p.error = Some(e.to_string());
                }
                let wait = backoff.next_wait();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "could not feed the search index; retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// How far the search index has got. A replica that stands by while another
/// feeds Meilisearch reads the leader's progress from the database.
pub async fn status(state: &AppState) -> SearchStatus {
    let standing_by = state.search.follows_outbox() && !progress(state).leading;
    if standing_by {
        let uid = state.search.index_uid().to_string();
        if let Ok(Some(cursor)) = state.db.search_cursor(uid).await {
            progress(state).indexed = cursor;
        }
    }
    let head = state.events.subscribe().borrow().head;
    let p = progress(state);
    // The embedded index is refreshed before a publish answers: never behind.
    let indexed = if state.search.follows_outbox() {
        p.indexed
    } else {
        head
    };
    let pending = (head - indexed).max(0);
    let state_name = if pending == 0 && !p.indexing {
        "ready"
    } else if p.error.is_some() {
        "error"
    } else {
        "indexing"
    };
    SearchStatus {
        backend: state.search.backend().to_string(),
        state: state_name.to_string(),
        indexed_event: indexed,
        head_event: head,
        pending_events: pending,
        last_error: p.error.clone(),
        last_indexed_at: p.last_success,
    }
}
