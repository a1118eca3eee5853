//! Everything that differs between SQLite and PostgreSQL: the connection
//! types, the pools, the settings of each connection, how a write transaction
//! takes its lock, and how migrations run. The rest of `db/` is diesel code
//! written once and compiled for both backends through [`on!`].

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::Path;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The migrations of `migrations/sqlite` and `migrations/postgres`, compiled
/// into the binary. The two folders hold the same migrations, by name.
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// SQLite connections wait this long for a lock held by another writer.
const BUSY_TIMEOUT_MS: u32 = 5000;
/// SQLite's pool size: one writer at a time, readers alongside in WAL mode.
pub const SQLITE_POOL_SIZE: u32 = 8;
/// PostgreSQL's default pool size, per replica (`SOUK_DATABASE_POOL_SIZE`).
pub const POSTGRES_POOL_SIZE: u32 = 16;
/// How long a request waits for a free pooled connection.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL advisory lock every write transaction takes first (see
/// [`write_transaction`]). Its value spells "souk" in ASCII.
const WRITE_LOCK: i64 = 0x736f_756b;
/// The advisory lock held while migrations run, so that replicas starting
/// together migrate once.
const MIGRATE_LOCK: i64 = 0x736f_756c;

/// A connection borrowed from the pool, of either backend. Query code matches
/// on it with [`on!`].
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

/// Run `$body` with `$c` bound to the concrete connection inside `$conn` (a
/// `&mut Conn`). The body is compiled once per backend, so it may use any
/// diesel feature both of them support.
macro_rules! on {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::connection::Conn::Sqlite(inner) => {
                let $c: &mut ::diesel::sqlite::SqliteConnection = &mut **inner;
                $body
            }
            $crate::db::connection::Conn::Pg(inner) => {
                let $c: &mut ::diesel::pg::PgConnection = &mut **inner;
                $body
            }
        }
    };
}
pub(crate) use on;

/// The connection pool of one backend. Cheap to clone.
#[derive(Clone)]
pub enum ConnPool {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Pg(Pool<ConnectionManager<PgConnection>>),
}

impl ConnPool {
    /// Check a connection out and run `f` with it (blocking).
    pub fn with<T>(&self, f: impl FnOnce(&mut Conn) -> T) -> Result<T, diesel::r2d2::PoolError> {
        self.with_within(CHECKOUT_TIMEOUT, f)
    }

    /// [`ConnPool::with`], waiting at most `timeout` for a connection.
    pub fn with_within<T>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&mut Conn) -> T,
    ) -> Result<T, diesel::r2d2::PoolError> {
        Ok(match self {
            ConnPool::Sqlite(pool) => {
                let mut c: PooledConnection<_> = pool.get_timeout(timeout)?;
                f(&mut Conn::Sqlite(&mut c))
            }
            ConnPool::Pg(pool) => {
                let mut c: PooledConnection<_> = pool.get_timeout(timeout)?;
                f(&mut Conn::Pg(&mut c))
            }
        })
    }

    /// How many connections the pool holds, how many of them are idle, and
    /// the most it may hold.
    pub fn usage(&self) -> PoolUsage {
        let (state, max) = match self {
            ConnPool::Sqlite(pool) => (pool.state(), pool.max_size()),
            ConnPool::Pg(pool) => (pool.state(), pool.max_size()),
        };
        PoolUsage {
            connections: state.connections,
            idle: state.idle_connections,
            max,
        }
    }

    /// `sqlite` or `postgres`, for the log.
    pub fn backend(&self) -> &'static str {
        match self {
            ConnPool::Sqlite(_) => "sqlite",
            ConnPool::Pg(_) => "postgres",
        }
    }
}

/// A snapshot of a pool's connections (for the metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Open, idle or checked out.
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // WAL is already set on the file (see `sqlite`).
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
pub fn sqlite(path: &Path, size: u32) -> Result<ConnPool, BoxError> {
    // WAL is a property of the database file: switch to it once, from one
    // connection, before the pool opens several at once. Switching needs an
    // exclusive lock, and concurrent switches can fail with "database is
    // locked" even with a busy timeout.
    let url = path.to_string_lossy();
    let mut first = SqliteConnection::establish(&url)?;
    first.batch_execute(&format!(
        "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL;"
    ))?;
    drop(first);
    Ok(ConnPool::Sqlite(
        Pool::builder()
            .max_size(size)
            .connection_timeout(CHECKOUT_TIMEOUT)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(ConnectionManager::new(url))?,
    ))
}

#[derive(Debug)]
struct PgSettings;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for PgSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        // Timestamps are written and read as UTC whatever the server's zone.
        conn.batch_execute("SET TIME ZONE 'UTC'")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Connect to the PostgreSQL database at `url` with a pool of `size`.
pub fn postgres(url: &str, size: u32) -> Result<ConnPool, BoxError> {
    Ok(ConnPool::Pg(
        Pool::builder()
            .max_size(size)
            .connection_timeout(CHECKOUT_TIMEOUT)
            .connection_customizer(Box::new(PgSettings))
            .build(ConnectionManager::new(url))?,
    ))
}

/// Run `f` in a transaction that holds the registry's write lock from its
/// first statement to its commit, so that writers follow one another:
/// - SQLite: `BEGIN IMMEDIATE`. A deferred transaction that reads before it
///   writes can fail with `SQLITE_BUSY` when another writer commits in
///   between, and `busy_timeout` does not retry that.
/// - PostgreSQL: a transaction-scoped advisory lock, taken before anything
///   else. Event ids then commit in the order they are drawn from their
///   sequence, across every replica: a reader that sees event `n` has seen
///   every event before it, which the feed's cursors rely on.
pub fn write_transaction<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        Conn::Sqlite(c) => c.immediate_transaction(|c| f(&mut Conn::Sqlite(c))),
        Conn::Pg(c) => c.transaction(|c| {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})")).execute(c)?;
            f(&mut Conn::Pg(c))
        }),
    }
}

/// Apply the migrations that have not run yet; returns how many ran.
pub fn migrate(conn: &mut Conn) -> Result<usize, BoxError> {
    match conn {
        Conn::Sqlite(c) => Ok(c.run_pending_migrations(SQLITE_MIGRATIONS)?.len()),
        Conn::Pg(c) => {
            // A session lock: replicas started together wait for the first
            // one's migrations, then find nothing left to do.
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATE_LOCK})"))?;
            let ran = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|ran| ran.len());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATE_LOCK})"))?;
            ran
        }
    }
}
