//! The database: the only module that knows diesel and SQL.
//!
//! [`Db`] offers async methods, one per question or change the registry has.
//! Each runs its synchronous diesel code on the blocking pool through
//! `Db::run`, so the async executor's threads never wait on the database.
//! SQLite (embedded, the default) and PostgreSQL run the same queries: see
//! [`connection`] for the little that differs. Rows leave
//! this module as the plain structs of [`models`]; the API converts them to wire
//! types with `From`.

pub mod agents;
pub mod categories;
mod connection;
pub mod events;
pub mod models;
pub mod notify;
mod schema;
pub mod search;
pub mod templates;
pub mod tokens;

use crate::error::Error;
use connection::{on, Conn, ConnPool};
use secrecy::SecretString;
use std::path::Path;
use std::time::Duration;

pub use connection::{PoolUsage, POSTGRES_POOL_SIZE, SQLITE_POOL_SIZE};
pub use models::*;

/// How long the health check waits for a connection: less than the
/// Kubernetes readiness probe's timeout (3 s), so that a database that does
/// not answer makes a 503 rather than a probe that timed out.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// A handle on the database: a connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: ConnPool,
    /// PostgreSQL's URL, for the sessions kept out of the pool (see [`notify`]).
    pg_url: Option<SecretString>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::internal("database query failed", e)
    }
}

impl Db {
    /// Open the SQLite database at `path`, creating it (and its folder) when
    /// missing, with a pool of `pool_size` connections.
    pub fn open_sqlite(path: &Path, pool_size: u32) -> Result<Db, Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::internal(
                    format!("creating the database folder `{}`", dir.display()),
                    e,
                )
            })?;
        }
        let pool = connection::sqlite(path, pool_size).map_err(|e| {
            Error::internal(format!("opening the database `{}`", path.display()), e)
        })?;
        Ok(Db { pool, pg_url: None })
    }

    /// Connect to a PostgreSQL database with a pool of `pool_size`
    /// connections. `url` may hold a password: it is never logged.
    pub fn open_postgres(url: &str, pool_size: u32) -> Result<Db, Error> {
        let pool = connection::postgres(url, pool_size)
            .map_err(|e| Error::internal("connecting to PostgreSQL", e))?;
        Ok(Db {
            pool,
            pg_url: Some(SecretString::from(url)),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.pool.backend()
    }

    /// Apply the migrations that have not run yet; returns how many ran.
    pub async fn migrate(&self) -> Result<usize, Error> {
        self.run("running migrations", |conn| {
            connection::migrate(conn).map_err(|e| Error::internal("applying a migration", e))
        })
        .await
    }

    /// The connection pool's use right now.
    pub fn pool_usage(&self) -> PoolUsage {
        self.pool.usage()
    }

    /// Is the database answering? Waits [`PING_TIMEOUT`] at most for a
    /// connection.
    pub async fn ping(&self) -> Result<(), Error> {
        self.run_within("checking the database", Some(PING_TIMEOUT), |conn| {
            use diesel::connection::SimpleConnection;
            on!(conn, |c| c.batch_execute("SELECT 1"))?;
            Ok(())
        })
        .await
    }

    /// Run `f` with a pooled connection on the blocking pool. `what` names the
    /// work for the log when it fails.
    async fn run<T, F>(&self, what: &'static str, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.run_within(what, None, f).await
    }

    /// [`Db::run`], waiting `timeout` at most for a connection (`None`: the
    /// pool's own wait).
    async fn run_within<T, F>(
        &self,
        what: &'static str,
        timeout: Option<Duration>,
        f: F,
    ) -> Result<T, Error>
    where
        F: FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let result = tokio::task::spawn_blocking(move || {
            match timeout {
                Some(t) => pool.with_within(t, f),
                None => pool.with(f),
            }
            .map_err(|e| Error::internal("getting a database connection", e))?
        })
        .await
        .map_err(|e| Error::internal("a database task did not finish", e))?;
        result.map_err(|e| match e {
            Error::Internal { context, source } => Error::Internal {
                context: format!("{what}: {context}"),
                source,
            },
            other => other,
        })
    }
}

/// The current time as stored: UTC without an offset (`TIMESTAMP`).
fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
