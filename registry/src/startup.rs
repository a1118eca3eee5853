//! Starting and stopping the registry.
//!
//! [`Application::build`] opens the database (running its migrations), seeds
//! the categories, makes sure an admin token exists, rebuilds the search index
//! from the database, loads the demo catalog when asked, and binds the listener
//! (port 0 picks a free port, which tests use). [`Application::run_until`] serves
//! until a shutdown future completes, then stops gracefully: long polls are woken
//! and requests in flight finish.

use crate::api::fallback;
use crate::auth;
use crate::config::{Config, DatabaseConfig, StoreConfig};
use crate::db::{CategoryRow, Db};
use crate::domain::cache::TemplateCache;
use crate::domain::index;
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::metrics::{self, Metrics};
use crate::routes;
use crate::search::{MemoryIndex, SearchIndex};
use crate::store::{FolderStore, PackageStore};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use secrecy::SecretString;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// How long requests in flight may take to finish once a stop is asked for.
const SHUTDOWN_GRACE_SECS: u64 = 10;

/// What every handler shares.
pub struct AppState {
    pub db: Db,
    pub store: Arc<dyn PackageStore>,
    pub search: Arc<dyn SearchIndex>,
    pub events: EventBus,
    pub metrics: Metrics,
    /// Template documents and resolution candidates, invalidated on commit.
    pub cache: TemplateCache,
    /// Serialises "read a template from the database, update its search
    /// document", so that a slow refresh cannot put back an older state.
    pub(crate) index_lock: tokio::sync::Mutex<()>,
}

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
        let store: Arc<dyn PackageStore> = match &config.store {
            StoreConfig::Folder { root } => Arc::new(FolderStore::open(root)?),
        };
        let head = db.event_head().await?;
        let state = AppState {
            db,
            store,
            search: Arc::new(MemoryIndex::new()),
            events: EventBus::new(head),
            metrics: Metrics::new(),
            cache: TemplateCache::default(),
            index_lock: tokio::sync::Mutex::new(()),
        };
        let indexed = index::rebuild(&state).await?;
        tracing::info!(
            templates = indexed,
            event.head = head,
            "search index rebuilt"
        );
        Ok(state)
    }
}

fn connect(config: &Config) -> Result<Db> {
    match &config.database {
        DatabaseConfig::Sqlite { path } => Db::open_sqlite(path),
    }
}

async fn open_db(config: &Config) -> Result<Db> {
    let db = connect(config)?;
    let ran = db.migrate().await?;
    if ran > 0 {
        tracing::info!(migrations = ran, "database migrated");
    }
    Ok(db)
}

/// Apply pending migrations and nothing else (`souk-registry migrate`);
/// returns how many ran.
pub async fn migrate(config: &Config) -> Result<usize> {
    connect(config)?.migrate().await
}

/// A registry, built and bound, ready to serve.
pub struct Application {
    addr: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
    generated_admin_token: Option<SecretString>,
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
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(ErrorHandlers::new().default_handler(fallback::json_errors))
                .wrap(from_fn(metrics::track))
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
        tokio::select! {
            result = &mut server => result,
            () = shutdown => {
                tracing::info!("stopping: finishing the requests in flight");
                self.state.events.close();
                // The server processes the stop while it is polled: drive both.
                let ((), result) = tokio::join!(handle.stop(true), server);
                result
            }
        }
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
