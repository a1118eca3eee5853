//! Every registry test runs twice: on SQLite (embedded) and on PostgreSQL.
//!
//! A test is a plain `async fn` named in [`on_both_databases!`] at the bottom
//! of its file, which makes `<file>::sqlite::<test>` and
//! `<file>::postgres::<test>`. On PostgreSQL each data folder a test starts a
//! registry on gets a fresh database (`souk_test_<pid>_<n>`), kept across
//! restarts on the same folder and dropped when the test ends; databases left
//! by a crashed run are dropped by the next one.
//!
//! The server is found at `SOUK_TEST_POSTGRES_URL` (default: the local
//! server's socket, as the current user). When it cannot be reached the
//! PostgreSQL variants pass, and one `SKIPPED` line in `cargo test`'s output
//! (written past the test harness's capture, so no `--nocapture` is needed)
//! says so and how to install the server; under `CI=true` they fail instead:
//! `.ci/run` installs and starts PostgreSQL.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use souk_registry::config::{DatabaseConfig, DatabaseUrl};
use souk_registry::Config;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The local server through its Unix socket, as the current user.
const DEFAULT_URL: &str = "postgres:///postgres?host=/var/run/postgresql";

/// Generate the two variants of each test named.
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    $crate::databases::Backend::Sqlite.run(super::$test()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    $crate::databases::Backend::Postgres.run(super::$test()).await
                }
            )*
        }
    };
}
pub(crate) use on_both_databases;

/// Which database the running test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The running test's backend, and the databases it created (by data folder).
struct Context {
    backend: Backend,
    databases: RefCell<HashMap<PathBuf, String>>,
}

tokio::task_local! {
    static CONTEXT: Context;
}

impl Backend {
    /// Run `test` on this backend, then drop the databases it created.
    pub async fn run(self, test: impl Future<Output = ()>) {
        if self == Backend::Postgres && server().is_none() {
            return;
        }
        let context = Context {
            backend: self,
            databases: RefCell::default(),
        };
        let databases = CONTEXT
            .scope(context, async {
                test.await;
                CONTEXT.with(|c| c.databases.take())
            })
            .await;
        for name in databases.into_values() {
            drop_database(&name);
        }
    }
}

/// The backend of the running test (SQLite outside [`Backend::run`]).
pub fn backend() -> Backend {
    CONTEXT.try_with(|c| c.backend).unwrap_or(Backend::Sqlite)
}

/// Point `config` at the running test's database for `data_dir`: the SQLite
/// file inside it, or its PostgreSQL database (created on first use).
pub fn use_database(config: &mut Config, data_dir: &Path) {
    if let Some(url) = database_url(data_dir) {
        config.database = DatabaseConfig::Postgres {
            url: DatabaseUrl(url.into()),
        };
    }
}

/// The `SOUK_DATABASE_URL` a `souk-registry` process on `data_dir` needs in
/// the running test: `None` on SQLite (the file in the data folder).
pub fn database_url(data_dir: &Path) -> Option<String> {
    if backend() == Backend::Sqlite {
        return None;
    }
    let base = server().expect("checked by Backend::run");
    let name = CONTEXT.with(|c| {
        c.databases
            .borrow_mut()
            .entry(data_dir.to_path_buf())
            .or_insert_with(create_database)
            .clone()
    });
    Some(with_database(base, &name))
}

/// The server's URL when it answers; checked once per test binary.
fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let url = std::env::var("SOUK_TEST_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| DEFAULT_URL.to_string());
            match PgConnection::establish(&url) {
                Ok(mut conn) => {
                    drop_stale_databases(&mut conn);
                    Some(url)
                }
                Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                    panic!("PostgreSQL is not reachable at SOUK_TEST_POSTGRES_URL ({e}); .ci/run starts it")
                }
                Err(e) => {
                    // `eprintln!` is captured (shown only for a failing test);
                    // a write to the stderr handle is not.
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED postgres::* (the PostgreSQL variants pass without running): \
                         no server at SOUK_TEST_POSTGRES_URL or {DEFAULT_URL} ({}); to run them: \
                         apt-get install -y postgresql && pg_ctlcluster 15 main start && \
                         su postgres -c \"createuser -s $(id -un)\"",
                        // One line: libpq's messages span several.
                        e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
                    );
                    None
                }
            }
        })
        .as_deref()
}

/// `base` with its database name replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base, None),
    };
    let authority_end = head
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| head[start..].find('/').map(|j| start + j))
        .unwrap_or(head.len());
    let mut url = format!("{}/{name}", &head[..authority_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

fn admin() -> PgConnection {
    PgConnection::establish(server().expect("checked by Backend::run"))
        .expect("connecting to PostgreSQL")
}

fn create_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "souk_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    admin()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("creating a test database");
    name
}

fn drop_database(name: &str) {
    // FORCE ends the connections a registry still holds.
    let _ = admin().batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// Drop the databases of test processes that are gone (a crash, a Ctrl-C).
fn drop_stale_databases(conn: &mut PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'souk\\_test\\_%'")
            .load(conn)
            .unwrap_or_default();
    for Name { datname } in names {
        let pid = datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"));
        }
    }
}

#[test]
fn database_names_replace_the_one_in_the_url() {
    assert_eq!(
        with_database(DEFAULT_URL, "x"),
        "postgres:///x?host=/var/run/postgresql"
    );
    assert_eq!(
        with_database("postgres://u:p@db:5432/souk", "x"),
        "postgres://u:p@db:5432/x"
    );
    assert_eq!(with_database("postgres://db", "x"), "postgres://db/x");
}
