//! What replicas sharing one PostgreSQL database tell one another.
//!
//! Every transaction that writes an event also sends `NOTIFY souk_events`, and
//! one that stores an agent's report `NOTIFY souk_reports` with the templates
//! it named. PostgreSQL delivers notifications at commit, to every session
//! that listens: [`Db::listen`] keeps one such session per replica. A
//! notification only says "look again": the events table stays the one source
//! of truth, read by cursor, so a notification lost while the session was
//! reconnecting delays a replica, never misleads it.
//!
//! [`Db::try_lead`] elects the one replica that does a job only one may do
//! (feeding Meilisearch from the outbox), with a session-level advisory lock
//! that PostgreSQL releases when its holder's connection ends.
//!
//! On SQLite there is one process: no notification is sent, nothing is
//! listened to, and the process always leads.

use super::connection::Conn;
use super::Db;
use crate::error::Error;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{Connection, QueryResult, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};
use souk_schema::backoff::Backoff;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The channel of committed events; the payload is the event id.
pub const EVENTS_CHANNEL: &str = "souk_events";
/// The channel of stored reports; the payload is the templates they named,
/// one per line, or `*` for "any".
pub const REPORTS_CHANNEL: &str = "souk_reports";
/// PostgreSQL refuses payloads of 8000 bytes and more.
const MAX_PAYLOAD: usize = 7000;

/// How often the listening session is checked for notifications. Reading
/// them is a non-blocking read of the socket, so this bounds the wake-up
/// latency across replicas at little cost.
const LISTEN_POLL: Duration = Duration::from_millis(20);
/// How often the listening session is pinged, to notice a dead connection
/// that sent no error.
const LISTEN_PING: Duration = Duration::from_secs(10);
/// The first and the longest wait before connecting again.
const RECONNECT_MIN: Duration = Duration::from_millis(500);
const RECONNECT_MAX: Duration = Duration::from_secs(30);

/// Something another replica (or this one) committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// New events: read the feed past your cursor.
    Events,
    /// Agents' reports changed the installs of these templates (`None`: any).
    Reports(Option<Vec<String>>),
    /// The listening session was (re)connected: notifications may have been
    /// missed while it was not.
    Connected,
}

/// `pg_notify(channel, payload)` in the current transaction (nothing on
/// SQLite): delivered when it commits, dropped when it rolls back.
pub(super) fn notify(conn: &mut Conn, channel: &str, payload: &str) -> QueryResult<()> {
    if let Conn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel)
            .bind::<Text, _>(payload)
            .execute(&mut **c)?;
    }
    Ok(())
}

/// The payload of a report notification naming `templates`.
pub(super) fn reports_payload<'a>(templates: impl IntoIterator<Item = &'a String>) -> String {
    let mut payload = String::new();
    for t in templates {
        if !payload.is_empty() {
            payload.push('\n');
        }
        payload.push_str(t);
        if payload.len() > MAX_PAYLOAD {
            return "*".to_string();
        }
    }
    payload
}

/// A job only one replica does at a time, held until dropped.
pub enum Leadership {
    /// SQLite: the only process.
    Sole,
    /// PostgreSQL: the session holding the advisory lock.
    Pg(Box<PgConnection>),
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Leadership::Sole => "Leadership::Sole",
            Leadership::Pg(_) => "Leadership::Pg",
        })
    }
}

impl Leadership {
    /// Is the lock still held? (A broken connection has lost it.)
    pub async fn still_held(self) -> Option<Leadership> {
        match self {
            Leadership::Sole => Some(Leadership::Sole),
            Leadership::Pg(mut c) => tokio::task::spawn_blocking(move || {
                c.batch_execute("SELECT 1").ok().map(|()| Leadership::Pg(c))
            })
            .await
            .ok()
            .flatten(),
        }
    }
}

impl Db {
    /// On PostgreSQL, what is committed from now on, by any replica; `None` on
    /// SQLite. A thread keeps a session listening, reconnecting with backoff,
    /// until the receiver is dropped.
    pub fn listen(&self) -> Option<mpsc::Receiver<Notice>> {
        let url = self.pg_url.clone()?;
        let (tx, rx) = mpsc::channel(1024);
        std::thread::Builder::new()
            .name("souk-listen".into())
            .spawn(move || listen(&url, &tx))
            .ok()?;
        Some(rx)
    }

    /// Try to become the replica that does job `job` (an advisory lock key);
    /// `None` when another one holds it. Always granted on SQLite.
    pub async fn try_lead(&self, job: i64) -> Result<Option<Leadership>, Error> {
        let Some(url) = self.pg_url.clone() else {
            return Ok(Some(Leadership::Sole));
        };
        tokio::task::spawn_blocking(move || {
            let mut c = PgConnection::establish(url.expose_secret())
                .map_err(|e| Error::internal("connecting to PostgreSQL", e))?;
            #[derive(diesel::QueryableByName)]
            struct Locked {
                #[diesel(sql_type = Bool)]
                locked: bool,
            }
            let got: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
                .bind::<BigInt, _>(job)
                .get_result(&mut c)?;
            Ok(got.locked.then(|| Leadership::Pg(Box::new(c))))
        })
        .await
        .map_err(|e| Error::internal("a database task did not finish", e))?
    }
}

/// The listening thread: connect, LISTEN, pass notifications on; start again
/// when the session breaks. Returns when the receiver is gone.
fn listen(url: &SecretString, tx: &mpsc::Sender<Notice>) {
    let mut backoff = Backoff::new(RECONNECT_MIN, RECONNECT_MAX);
    while !tx.is_closed() {
        match listen_once(url, tx) {
            Ok(()) => return,
            Err(e) => {
                let wait = backoff.next_wait();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "the PostgreSQL listening session broke; connecting again");
                std::thread::sleep(wait);
            }
        }
    }
}

fn listen_once(
    url: &SecretString,
    tx: &mpsc::Sender<Notice>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut c = PgConnection::establish(url.expose_secret())?;
    c.batch_execute(&format!(
        "LISTEN {EVENTS_CHANNEL}; LISTEN {REPORTS_CHANNEL};"
    ))?;
    if tx.blocking_send(Notice::Connected).is_err() {
        return Ok(());
    }
    let mut pinged = Instant::now();
    loop {
        for n in c.notifications_iter() {
            let n = n?;
            let notice = if n.channel == REPORTS_CHANNEL {
                Notice::Reports(
                    (n.payload != "*").then(|| n.payload.lines().map(str::to_string).collect()),
                )
            } else {
                Notice::Events
            };
            if tx.blocking_send(notice).is_err() {
                return Ok(());
            }
        }
        if tx.is_closed() {
            return Ok(());
        }
        if pinged.elapsed() >= LISTEN_PING {
            c.batch_execute("SELECT 1")?;
            pinged = Instant::now();
        }
        std::thread::sleep(LISTEN_POLL);
    }
}
