//! Wakes long-polling readers of the event feed when an event is committed.
//!
//! The bus carries only the highest committed event id; waiters re-read the
//! database when it moves, so the feed has one source of truth and a missed
//! wake-up can only delay an answer, never lose an event. Shutting down wakes
//! every waiter so that long polls end at once.
//!
//! The bus head is also how far this replica has applied the events (its read
//! cache and search index follow them before the head moves; see
//! `domain::follow`). A client that has seen event `n` through any replica
//! sends [`SEEN_EVENT_HEADER`]`: n`, and `api::middleware::wait_for_seen_event` holds its
//! request until this replica has caught up with `n`: what it read from one
//! replica, it never finds missing on another.

use std::time::Duration;
use tokio::sync::watch;

/// `Souk-Seen-Event: n`: the highest event id the client has read.
pub const SEEN_EVENT_HEADER: &str = "souk-seen-event";
/// The longest a request waits for this replica to catch up; past it, the
/// request is answered as things stand (a client ahead of the database, say,
/// after a restore from backup).
pub const SEEN_EVENT_WAIT: Duration = Duration::from_secs(2);

/// What waiters watch: the head of the feed, and whether the server is stopping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signal {
    pub head: i64,
    pub closing: bool,
}

/// The notifier shared by publishers and long polls.
#[derive(Debug)]
pub struct EventBus {
    tx: watch::Sender<Signal>,
}

impl EventBus {
    /// A bus whose head starts at `head` (read from the database at start).
    pub fn new(head: i64) -> EventBus {
        EventBus {
            tx: watch::Sender::new(Signal {
                head,
                closing: false,
            }),
        }
    }

    /// An event with id `id` was committed.
    pub fn committed(&self, id: i64) {
        self.tx.send_if_modified(|s| {
            let moved = id > s.head;
            s.head = s.head.max(id);
            moved
        });
    }

    /// The server is stopping: wake every waiter for good.
    pub fn close(&self) {
        self.tx.send_modify(|s| s.closing = true);
    }

    /// A receiver that sees every change from now on.
    pub fn subscribe(&self) -> watch::Receiver<Signal> {
        self.tx.subscribe()
    }

    /// Wait until the head reaches `id` (or the server stops), at most `limit`;
    /// whether it did.
    pub async fn reached(&self, id: i64, limit: Duration) -> bool {
        let mut rx = self.tx.subscribe();
        let wait = async {
            rx.wait_for(|s| s.head >= id || s.closing)
                .await
                .is_ok_and(|s| s.head >= id)
        };
        tokio::time::timeout(limit, wait).await.unwrap_or(false)
    }
}
