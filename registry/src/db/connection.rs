//! Everything that is specific to SQLite: the connection type, the pool, the
//! pragmas set on each connection, and how a write transaction starts. The rest
//! of `db/` is portable diesel, so that PostgreSQL needs a sibling of this file
//! (and its migrations) rather than a rewrite.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use std::path::Path;
use std::time::Duration;

/// The connection every query runs on.
pub type Conn = SqliteConnection;
/// The connection pool.
pub type ConnPool = Pool<ConnectionManager<Conn>>;

/// Connections wait this long for a lock held by another writer.
const BUSY_TIMEOUT_MS: u32 = 5000;
/// Pool size. SQLite has one writer at a time; readers run alongside in WAL mode.
const POOL_SIZE: u32 = 8;

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        // WAL is already set on the file (see `pool`).
        // synchronous=FULL: a 201 means the version survives a power cut.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = FULL;"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Open (creating when missing) the SQLite database at `path`.
pub fn pool(path: &Path) -> Result<ConnPool, Box<dyn std::error::Error + Send + Sync>> {
    // WAL is a property of the database file: switch to it once, from one
    // connection, before the pool opens several at once. Switching needs an
    // exclusive lock, and concurrent switches can fail with "database is
    // locked" even with a busy timeout.
    let url = path.to_string_lossy();
    let mut first = <Conn as diesel::Connection>::establish(&url)?;
    first.batch_execute(&format!(
        "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL;"
    ))?;
    drop(first);
    let manager = ConnectionManager::<Conn>::new(url);
    Ok(Pool::builder()
        .max_size(POOL_SIZE)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(Pragmas))
        .build(manager)?)
}

/// Run `f` in a transaction that takes the write lock at once. A deferred
/// SQLite transaction that reads before it writes can fail with `SQLITE_BUSY`
/// when another writer commits in between, and `busy_timeout` does not retry that.
pub fn write_transaction<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.immediate_transaction(f)
}
