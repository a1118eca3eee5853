//! The agent's state: SQLite through diesel, in `DATA_DIR/agent.db`, with
//! embedded migrations (`migrations/agent-sqlite`). Only this module knows SQL.
//!
//! Queries are synchronous diesel; [`Store::run`] puts each on tokio's
//! blocking pool.

mod lifecycle;
mod schema;

pub use lifecycle::{OperationKind, ReleaseState, RevisionOutcome, StoredState, UnknownValue};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use schema::{init_jobs, journal, releases, revisions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The state database's file in the data dir.
pub const DB_FILE: &str = "agent.db";

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/agent-sqlite");

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = releases)]
pub struct Release {
    pub name: String,
    pub template: String,
    pub current_revision: Option<i64>,
    #[diesel(serialize_as = StoredState, deserialize_as = StoredState)]
    pub state: ReleaseState,
    pub message: String,
    pub updated_at: String,
    /// The semver requirement upgrades stay within (`*`: any version).
    pub requirement: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = revisions)]
pub struct Revision {
    pub release: String,
    pub number: i64,
    pub version: String,
    pub digest: String,
    pub vals: String,
    pub rendered: String,
    pub outcome: RevisionOutcome,
    pub reason: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = journal)]
pub struct Journal {
    pub release: String,
    pub operation: OperationKind,
    pub from_revision: Option<i64>,
    pub to_revision: i64,
    pub snapshots: String,
    pub started_at: String,
}

impl Release {
    /// Its install failed and nothing of it runs: it may be installed again.
    pub fn install_failed(&self) -> bool {
        self.current_revision.is_none() && self.state == ReleaseState::Failed
    }
}

/// A failure of the state database.
#[derive(Debug, thiserror::Error)]
#[error("the agent's state database `{}`: {cause}", .path.display())]
pub struct StoreError {
    pub path: PathBuf,
    pub cause: String,
}

/// The state database of one agent data dir.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<SqliteConnection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Open (creating, and migrating) `DATA_DIR/agent.db`.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(DB_FILE);
        let fail = |cause: String| StoreError {
            path: path.clone(),
            cause,
        };
        std::fs::create_dir_all(data_dir).map_err(|e| fail(e.to_string()))?;
        // Several processes may open a new data dir at once (the daemon and a
        // `souk status`): switching to WAL and migrating happen under an
        // exclusive file lock, so that only one does them and the others find
        // them done (SQLite can refuse concurrent switches to WAL at once).
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("agent.db.migrate-lock"))
            .map_err(|e| fail(e.to_string()))?;
        fs4::fs_std::FileExt::lock_exclusive(&lock).map_err(|e| fail(e.to_string()))?;
        let opened = Self::open_locked(&path);
        let _ = fs4::fs_std::FileExt::unlock(&lock);
        let conn = opened.map_err(fail)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// An empty state that lives in memory: what a reader sees of a data dir
    /// that holds none yet, without creating it.
    pub fn empty(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(DB_FILE);
        let mut conn = SqliteConnection::establish(":memory:").map_err(|e| StoreError {
            path: path.clone(),
            cause: e.to_string(),
        })?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| StoreError {
                path: path.clone(),
                cause: format!("migrations failed: {e}"),
            })?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// Open, set up and migrate the database; the caller holds the migration lock.
    fn open_locked(path: &Path) -> Result<SqliteConnection, String> {
        let mut conn =
            SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // It holds secret parameter values.
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
        )
        .map_err(|e| e.to_string())?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| format!("migrations failed: {e}"))?;
        Ok(conn)
    }

    /// Run `f` on the connection, on the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut SqliteConnection) -> QueryResult<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await;
        match result {
            Ok(r) => r.map_err(|e| StoreError {
                path: self.path.clone(),
                cause: e.to_string(),
            }),
            Err(e) => Err(StoreError {
                path: self.path.clone(),
                cause: e.to_string(),
            }),
        }
    }

    pub async fn release(&self, name: &str) -> Result<Option<Release>, StoreError> {
        let name = name.to_string();
        self.run(move |c| {
            releases::table
                .find(name)
                .select(Release::as_select())
                .first(c)
                .optional()
        })
        .await
    }

    pub async fn releases(&self) -> Result<Vec<Release>, StoreError> {
        self.run(|c| {
            releases::table
                .order(releases::name)
                .select(Release::as_select())
                .load(c)
        })
        .await
    }

    /// Record a new release and its first revision together.
    pub async fn create_release(
        &self,
        release: Release,
        first: Revision,
    ) -> Result<(), StoreError> {
        self.run(move |c| {
            c.immediate_transaction(|c| {
                diesel::insert_into(releases::table)
                    .values(release)
                    .execute(c)?;
                diesel::insert_into(revisions::table)
                    .values(&first)
                    .execute(c)?;
                Ok(())
            })
        })
        .await
    }

    pub async fn set_release(
        &self,
        name: &str,
        state: ReleaseState,
        message: &str,
        current_revision: Option<i64>,
    ) -> Result<(), StoreError> {
        let (name, message) = (name.to_string(), message.to_string());
        self.run(move |c| {
            let target = releases::table.find(&name);
            match current_revision {
                Some(n) => diesel::update(target)
                    .set((
                        releases::state.eq(StoredState(state)),
                        releases::message.eq(&message),
                        releases::current_revision.eq(n),
                        releases::updated_at.eq(now()),
                    ))
                    .execute(c),
                None => diesel::update(target)
                    .set((
                        releases::state.eq(StoredState(state)),
                        releases::message.eq(&message),
                        releases::updated_at.eq(now()),
                    ))
                    .execute(c),
            }
            .map(drop)
        })
        .await
    }

    /// Remember the requirement `name`'s upgrades stay within.
    pub async fn set_requirement(&self, name: &str, requirement: &str) -> Result<(), StoreError> {
        let (name, requirement) = (name.to_string(), requirement.to_string());
        self.run(move |c| {
            diesel::update(releases::table.find(&name))
                .set(releases::requirement.eq(&requirement))
                .execute(c)
                .map(drop)
        })
        .await
    }

    pub async fn delete_release(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_string();
        self.run(move |c| {
            diesel::delete(releases::table.find(name))
                .execute(c)
                .map(drop)
        })
        .await
    }

    /// A release's revisions, oldest first.
    pub async fn revisions(&self, release: &str) -> Result<Vec<Revision>, StoreError> {
        let release = release.to_string();
        self.run(move |c| {
            revisions::table
                .filter(revisions::release.eq(release))
                .order(revisions::number)
                .select(Revision::as_select())
                .load(c)
        })
        .await
    }

    pub async fn revision(
        &self,
        release: &str,
        number: i64,
    ) -> Result<Option<Revision>, StoreError> {
        let release = release.to_string();
        self.run(move |c| {
            revisions::table
                .find((release, number))
                .select(Revision::as_select())
                .first(c)
                .optional()
        })
        .await
    }

    /// Record a new revision, numbered after the last one; its number.
    pub async fn add_revision(&self, revision: Revision) -> Result<i64, StoreError> {
        self.run(move |c| c.immediate_transaction(|c| insert_next(c, revision)))
            .await
    }

    /// Start a release whose install failed over: its row becomes `release`
    /// and `next` its next revision, together. Returns the revision's number.
    pub async fn reinstall(&self, release: Release, next: Revision) -> Result<i64, StoreError> {
        self.run(move |c| {
            c.immediate_transaction(|c| {
                diesel::update(releases::table.find(&release.name))
                    .set((
                        releases::template.eq(&release.template),
                        releases::state.eq(StoredState(release.state)),
                        releases::message.eq(&release.message),
                        releases::requirement.eq(&release.requirement),
                        releases::updated_at.eq(&release.updated_at),
                    ))
                    .execute(c)?;
                insert_next(c, next)
            })
        })
        .await
    }

    pub async fn set_outcome(
        &self,
        release: &str,
        number: i64,
        outcome: RevisionOutcome,
        reason: Option<String>,
    ) -> Result<(), StoreError> {
        let release = release.to_string();
        self.run(move |c| {
            diesel::update(revisions::table.find((release, number)))
                .set((revisions::outcome.eq(outcome), revisions::reason.eq(reason)))
                .execute(c)
                .map(drop)
        })
        .await
    }

    pub async fn init_done(
        &self,
        release: &str,
        component: &str,
        job: &str,
    ) -> Result<bool, StoreError> {
        let key = (release.to_string(), component.to_string(), job.to_string());
        self.run(move |c| {
            init_jobs::table
                .find(key)
                .select(init_jobs::done_at)
                .first::<String>(c)
                .optional()
                .map(|d| d.is_some())
        })
        .await
    }

    pub async fn mark_init_done(
        &self,
        release: &str,
        component: &str,
        job: &str,
    ) -> Result<(), StoreError> {
        let (release, component, job) =
            (release.to_string(), component.to_string(), job.to_string());
        self.run(move |c| {
            diesel::insert_or_ignore_into(init_jobs::table)
                .values((
                    init_jobs::release.eq(release),
                    init_jobs::component.eq(component),
                    init_jobs::job.eq(job),
                    init_jobs::done_at.eq(now()),
                ))
                .execute(c)
                .map(drop)
        })
        .await
    }

    pub async fn journal(&self, release: &str) -> Result<Option<Journal>, StoreError> {
        let release = release.to_string();
        self.run(move |c| {
            journal::table
                .find(release)
                .select(Journal::as_select())
                .first(c)
                .optional()
        })
        .await
    }

    pub async fn journals(&self) -> Result<Vec<Journal>, StoreError> {
        self.run(|c| journal::table.select(Journal::as_select()).load(c))
            .await
    }

    pub async fn begin(&self, entry: Journal) -> Result<(), StoreError> {
        self.run(move |c| {
            diesel::replace_into(journal::table)
                .values(&entry)
                .execute(c)
                .map(drop)
        })
        .await
    }

    pub async fn set_snapshots(&self, release: &str, snapshots: String) -> Result<(), StoreError> {
        let release = release.to_string();
        self.run(move |c| {
            diesel::update(journal::table.find(release))
                .set(journal::snapshots.eq(snapshots))
                .execute(c)
                .map(drop)
        })
        .await
    }

    pub async fn finish(&self, release: &str) -> Result<(), StoreError> {
        let release = release.to_string();
        self.run(move |c| {
            diesel::delete(journal::table.find(release))
                .execute(c)
                .map(drop)
        })
        .await
    }
}

/// Insert `revision` numbered after the release's last one; its number.
fn insert_next(c: &mut SqliteConnection, mut revision: Revision) -> QueryResult<i64> {
    let last: Option<i64> = revisions::table
        .filter(revisions::release.eq(&revision.release))
        .select(diesel::dsl::max(revisions::number))
        .first(c)?;
    revision.number = last.unwrap_or(0) + 1;
    diesel::insert_into(revisions::table)
        .values(&revision)
        .execute(c)?;
    Ok(revision.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_opening_a_new_data_dir_at_once_all_succeed() {
        // The daemon and `souk status` may open a fresh data dir together.
        let dir = tempfile::tempdir().unwrap();
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let path = dir.path().to_path_buf();
                std::thread::spawn(move || Store::open(&path).map(|_| ()))
            })
            .collect();
        for o in opens {
            o.join().unwrap().expect("every open succeeds");
        }
    }

    #[tokio::test]
    async fn revisions_are_numbered_and_the_journal_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let rev = |n| Revision {
            release: "r".into(),
            number: n,
            version: "1.0.0".into(),
            digest: "sha256:x".into(),
            vals: "{}".into(),
            rendered: "{}".into(),
            outcome: RevisionOutcome::Pending,
            reason: None,
            created_at: now(),
        };
        let release = Release {
            name: "r".into(),
            template: "acme/x".into(),
            current_revision: None,
            state: ReleaseState::Installing,
            message: String::new(),
            updated_at: now(),
            requirement: "^1".into(),
        };
        store.create_release(release, rev(1)).await.unwrap();
        store.set_requirement("r", ">=1.2, <3").await.unwrap();
        let r = store.release("r").await.unwrap().unwrap();
        assert_eq!(r.requirement, ">=1.2, <3");
        assert_eq!(store.add_revision(rev(0)).await.unwrap(), 2);
        store
            .set_outcome("r", 2, RevisionOutcome::Failed, Some("probe".into()))
            .await
            .unwrap();
        let revs = store.revisions("r").await.unwrap();
        assert_eq!(revs[1].outcome, RevisionOutcome::Failed);
        assert_eq!(revs[1].outcome.as_str(), "failed");
        assert!(!store.init_done("r", "db", "seed").await.unwrap());
        store.mark_init_done("r", "db", "seed").await.unwrap();
        store.mark_init_done("r", "db", "seed").await.unwrap();
        assert!(store.init_done("r", "db", "seed").await.unwrap());
        store
            .begin(Journal {
                release: "r".into(),
                operation: OperationKind::Upgrade,
                from_revision: Some(1),
                to_revision: 2,
                snapshots: "[]".into(),
                started_at: now(),
            })
            .await
            .unwrap();
        assert_eq!(store.journals().await.unwrap().len(), 1);
        store.finish("r").await.unwrap();
        assert!(store.journal("r").await.unwrap().is_none());
        // Reopening runs no migration twice.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        store.delete_release("r").await.unwrap();
        assert!(store.revisions("r").await.unwrap().is_empty());
    }
}
