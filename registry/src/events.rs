//! Wakes long-polling readers of the event feed when an event is committed.
//!
//! The bus carries only the highest committed event id; waiters re-read the
//! database when it moves, so the feed has one source of truth and a missed
//! wake-up can only delay an answer, never lose an event. Shutting down wakes
//! every waiter so that long polls end at once.

use tokio::sync::watch;

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
}
