//! Starting and stopping the registry.
//!
//! [`Application::build`] opens the database (running its migrations), seeds
//! the categories, makes sure an admin token exists, rebuilds the search index
//! from the database, loads the demo catalog when asked, and binds the listener
//! (port 0 picks a free port, which tests use). [`Application::run_until`] serves
//! until a shutdown future completes, then stops gracefully: long polls are woken
//! and requests in flight finish.

use crate::api::{fallback, middleware};
use crate::auth;
use crate::config::{Config, DatabaseConfig, SearchConfig, StoreConfig};
use crate::db::{CategoryRow, Db};
use crate::domain::{follow, index};
use crate::error::{Error, Result};
use crate::routes;
use crate::search::{MeiliIndex, MemoryIndex, SearchIndex};
use crate::state::AppState;
use crate::store::{FolderStore, OciStore, PackageStore};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// How long requests in flight may take to finish once a stop is asked for.
const SHUTDOWN_GRACE_SECS: u64 = 10;

impl AppState {
    /// Open the database and the store of `config`, bring the schema up to date,
    /// seed the categories and rebuild the search index.
    pub async fn open(config: &Config) -> Result<AppState> {
        let db = open_db(config).await?;
        db.seed_categories(
            souk_schema::categories::DEFAULT_CATEGORIES
                .iter()
                .zip(0..)
                .map(|(c, position)| CategoryRow {
                    slug: c.slug.to_string(),
                    name: c.name.to_string(),
                    name_zh: c.name_zh.to_string(),
                    position,
                })
                .collect(),
        )
        .await?;
        let store = open_store(&config.store)?;
        let head = db.event_head().await?;
        let state = AppState::new(db, store, open_search(&config.search)?, head);
        // The embedded index lives in memory: rebuilt from the database at
        // every start. Meilisearch keeps its documents and is fed from the
        // outbox by `index::follow_outbox`, which `Application` runs.
        if !state.search.follows_outbox() {
            let started = std::time::Instant::now();
            let indexed = index::rebuild(&state).await?;
            tracing::info!(
                templates = indexed,
                event.head = head,
                duration_ms = started.elapsed().as_millis() as u64,
                "search index rebuilt"
            );
        }
        Ok(state)
    }
}

/// The search index `config` names (nothing is sent to Meilisearch yet).
pub fn open_search(config: &SearchConfig) -> Result<Arc<dyn SearchIndex>> {
    Ok(match config {
        SearchConfig::Embedded { cjk } => Arc::new(MemoryIndex::with_cjk(*cjk)),
        SearchConfig::Meilisearch { url, key, index } => Arc::new(MeiliIndex::new(
            url,
            key.as_ref().map(|k| k.expose_secret()),
            index,
        )?),
    })
}

/// Rebuild the search index of `config` from its database
/// (`souk-registry reindex`); returns how many templates it holds.
pub async fn reindex(config: &Config) -> Result<usize> {
    let state = AppState::open(config).await?;
    if state.search.follows_outbox() {
        index::rebuild(&state).await
    } else {
        // `open` has just rebuilt it: the embedded index lives in memory only,
        // so this checks that the database can be indexed, and how fast.
        Ok(state.db.count_templates().await? as usize)
    }
}

/// The package store `config` names.
pub fn open_store(config: &StoreConfig) -> Result<Arc<dyn PackageStore>> {
    Ok(match config {
        StoreConfig::Folder { root } => Arc::new(FolderStore::open(root)?),
        StoreConfig::Oci(oci) => Arc::new(OciStore::open(oci)?),
    })
}

fn connect(config: &Config) -> Result<Db> {
    let size = config.database_pool_size;
    match &config.database {
        DatabaseConfig::Sqlite { path } => {
            Db::open_sqlite(path, size.unwrap_or(crate::db::SQLITE_POOL_SIZE))
        }
        DatabaseConfig::Postgres { url } => Db::open_postgres(
            url.0.expose_secret(),
            size.unwrap_or(crate::db::POSTGRES_POOL_SIZE),
        ),
    }
}

async fn open_db(config: &Config) -> Result<Db> {
    let db = connect(config)?;
    let ran = db.migrate().await?;
    tracing::info!(database = db.backend(), migrations = ran, "database open");
    Ok(db)
}

/// Apply pending migrations and nothing else (`souk-registry migrate`);
/// returns how many ran.
pub async fn migrate(config: &Config) -> Result<usize> {
    connect(config)?.migrate().await
}

/// Copy every published version's package from the store `from` to the store
/// `to` (`souk-registry migrate-store`), with the database of `config`; see
/// [`crate::domain::move_store`].
pub async fn migrate_store(
    config: &Config,
    from: &StoreConfig,
    to: &StoreConfig,
) -> Result<crate::domain::move_store::StoreMigration> {
    let db = open_db(config).await?;
    let (from, to) = (open_store(from)?, open_store(to)?);
    to.check().await?;
    crate::domain::move_store::move_packages(&db, from.as_ref(), to.as_ref()).await
}

/// A registry, built and bound, ready to serve.
pub struct Application {
    addr: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
    generated_admin_token: Option<SecretString>,
    /// Background work: the Meilisearch feeder, the follower of other replicas.
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Open everything `config` names and bind its listen address.
    pub async fn build(config: Config) -> Result<Application> {
        let state = AppState::open(&config).await?;
        let generated_admin_token =
            auth::bootstrap_admin(&state.db, config.admin_token.as_ref()).await?;
        if config.demo {
            crate::demo::load(&state).await?;
        }
        let listener = TcpListener::bind(&config.listen)
            .map_err(|e| Error::internal(format!("binding `{}`", config.listen), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::internal("reading the bound address", e))?;
        let state = web::Data::new(state);
        let mut tasks = Vec::new();
        if state.search.follows_outbox() {
            tasks.push(tokio::spawn(index::follow_outbox(
                state.clone().into_inner(),
            )));
        }
        // On PostgreSQL other replicas may commit too: follow them.
        if let Some(notices) = state.db.listen() {
            tasks.push(tokio::spawn(follow::replicas(
                state.clone().into_inner(),
                notices,
            )));
        }
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(ErrorHandlers::new().default_handler(fallback::json_errors))
                .wrap(from_fn(middleware::wait_for_seen_event))
                .wrap(from_fn(middleware::track))
                .configure(routes::configure)
        })
        .listen(listener)
        .map_err(|e| Error::internal(format!("listening on `{addr}`"), e))?
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .run();
        Ok(Application {
            addr,
            server,
            state,
            generated_admin_token,
            tasks,
        })
    }

    /// The port the registry listens on (the real one when 0 was asked for).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address the registry listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (tests look inside).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The admin token generated by this start, if one was: to be shown once.
    pub fn take_generated_admin_token(&mut self) -> Option<SecretString> {
        self.generated_admin_token.take()
    }

    /// Serve until SIGINT or SIGTERM, then stop gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serve until `shutdown` completes, then stop gracefully: wake long polls
    /// and let requests in flight finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = std::pin::pin!(self.server);
        let result = tokio::select! {
            result = &mut server => result,
            () = shutdown => {
                tracing::info!("stopping: finishing the requests in flight");
                self.state.events.close();
                // The server processes the stop while it is polled: drive both.
                let ((), result) = tokio::join!(handle.stop(true), server);
                result
            }
        };
        // The feeder keeps its place in the database: stopping it mid-batch
        // only means that batch is sent again at the next start. The
        // follower's listening thread ends with its receiver.
        for task in self.tasks {
            task.abort();
        }
        result
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
