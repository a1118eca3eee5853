//! The event feed agents follow, with long polling.

use crate::db::EventRow;
use crate::error::Result;
use crate::state::AppState;
use std::time::Duration;
use tokio::time::Instant;

/// The most events one answer holds.
pub const PAGE_SIZE: i64 = 100;
/// The longest a caller may ask to wait.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// A page of the feed.
#[derive(Debug)]
pub struct FeedPage {
    /// Oldest first, at most [`PAGE_SIZE`].
    pub events: Vec<EventRow>,
    /// Pass as `since` next time: the last event's id, or the feed's head when
    /// no event matched.
    pub cursor: i64,
}

/// The events after cursor `since` (of `templates` only, when given). With a
/// `wait`, hold until one arrives or the wait is over.
///
/// The waiter subscribes to the bus *before* it reads the database, so an event
/// committed after the read always wakes it; it then reads the database again.
pub async fn events(
    state: &AppState,
    since: i64,
    wait: Duration,
    templates: Option<Vec<String>>,
) -> Result<FeedPage> {
    let deadline = Instant::now() + wait.min(MAX_WAIT);
    let mut bus = state.events.subscribe();
    let _waiting = state.metrics.waiting();
    let mut since = since;
    loop {
        let page = state
            .db
            .events_after(since, templates.clone(), PAGE_SIZE)
            .await?;
        if let Some(last) = page.events.last() {
            let cursor = last.id;
            return Ok(FeedPage {
                events: page.events,
                cursor,
            });
        }
        // Nothing matched up to the head, so the agent need not rescan it. A
        // cursor beyond the head (a registry restored from an older backup)
        // answers at once, so that the agent can start again from the head.
        let beyond = since > page.head;
        since = page.head;
        if beyond || bus.borrow().closing || Instant::now() >= deadline {
            return Ok(FeedPage {
                events: Vec::new(),
                cursor: since,
            });
        }
        // Woken by a commit, by shutdown, or by the deadline: read again and
        // decide. (The bus lives as long as `state`, so `changed` cannot fail.)
        let _ = tokio::time::timeout_at(deadline, bus.changed()).await;
    }
}
