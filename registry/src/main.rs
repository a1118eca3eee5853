//! `souk-registry`: the souk registry server.
//!
//! `serve` runs the HTTP API; `migrate` brings the database schema up to date;
//! `migrate-store` copies the packages to another store.
//! Data goes to stdout (nothing, here); logs and messages go to stderr.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use secrecy::ExposeSecret;
use souk_registry::config::{Config, Flags, StoreConfig};
use souk_registry::startup::{migrate, migrate_store, reindex, Application};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// The souk registry: vendors publish application templates, customers' agents
/// resolve and install them.
///
/// Configuration comes from flags, then the environment (`SOUK_LISTEN`,
/// `SOUK_DATA_DIR`, `SOUK_DATABASE_URL`, `SOUK_DATABASE_POOL_SIZE`,
/// `SOUK_STORE`, `SOUK_ADMIN_TOKEN`, `SOUK_LOG`, `SOUK_CONFIG`,
/// `SOUK_SEARCH_URL`, `SOUK_SEARCH_KEY`, `SOUK_SEARCH_INDEX`), then a TOML
/// file, then defaults. `SOUK_DATABASE_URL` is `sqlite://PATH` (the default:
/// `souk.db` in the data dir) or `postgres://USER:PASSWORD@HOST/DB`, which
/// several replicas may share. `SOUK_STORE` is a folder,
/// `oci://HOST[:PORT]/PREFIX` or `oci+http://…`; an OCI registry's
/// credentials come from `SOUK_STORE_USERNAME` and `SOUK_STORE_PASSWORD`.
#[derive(Debug, Parser)]
#[command(name = "souk-registry", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the registry's HTTP API until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate(MigrateArgs),
    /// Rebuild the search index from the database: Meilisearch (with
    /// `SOUK_SEARCH_URL`) is cleared, refilled in batches and its outbox cursor
    /// moved; the embedded index, rebuilt at every start anyway, is built once
    /// to check the database and time it.
    Reindex(MigrateArgs),
    /// Copy every published version's package to another store (a folder to an
    /// OCI registry), checking each digest on both sides. Prints each package
    /// moved; exits 1 if any could not be. Run it again until it succeeds, then
    /// point `SOUK_STORE` at the new store and restart.
    MigrateStore(MigrateStoreArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on [env: SOUK_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Folder of the database and the packages [env: SOUK_DATA_DIR] [default: ./souk-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Publish the example catalog on first start (when no template exists yet).
    #[arg(long)]
    demo: bool,
    /// A TOML configuration file [env: SOUK_CONFIG].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// Folder of the database [env: SOUK_DATA_DIR] [default: ./souk-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML configuration file [env: SOUK_CONFIG].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct MigrateStoreArgs {
    /// The store to copy from: a folder (the data dir of an embedded registry)
    /// or an OCI URL.
    #[arg(long, value_name = "DIR")]
    from: String,
    /// The store to copy to: `oci://HOST[:PORT]/PREFIX` (TLS) or
    /// `oci+http://HOST[:PORT]/PREFIX`; credentials from `SOUK_STORE_USERNAME`
    /// and `SOUK_STORE_PASSWORD`.
    #[arg(long, value_name = "URL")]
    to: String,
    /// Folder of the database [env: SOUK_DATA_DIR] [default: ./souk-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML configuration file [env: SOUK_CONFIG].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn init_logging(filter: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .with_context(|| format!("invalid `SOUK_LOG` filter `{filter}`"))?;
    // Colours only on a terminal, and never with NO_COLOR (https://no-color.org).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    Ok(())
}

/// Errors end the process as `error: …` with their causes and exit code 1,
/// never with a backtrace: they are meant for operators, not for debuggers.
fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = Config::load(Flags {
                listen: args.listen,
                data_dir: args.data_dir,
                config_file: args.config,
                demo: args.demo,
            })?;
            init_logging(&config.log)?;
            let mut app = Application::build(config)
                .await
                .context("could not start the registry")?;
            if let Some(token) = app.take_generated_admin_token() {
                eprintln!(
                    "admin token (shown once, store it now): {}",
                    token.expose_secret()
                );
            }
            eprintln!("souk-registry listening on http://{}", app.local_addr());
            app.run_until_stopped().await.context("the server failed")?;
        }
        Command::Migrate(args) => {
            let config = Config::load(Flags {
                data_dir: args.data_dir,
                config_file: args.config,
                ..Flags::default()
            })?;
            init_logging(&config.log)?;
            let ran = migrate(&config)
                .await
                .context("could not migrate the database")?;
            eprintln!("applied {ran} migration(s)");
        }
        Command::Reindex(args) => {
            let config = Config::load(Flags {
                data_dir: args.data_dir,
                config_file: args.config,
                ..Flags::default()
            })?;
            init_logging(&config.log)?;
            let started = std::time::Instant::now();
            let n = reindex(&config)
                .await
                .context("could not rebuild the search index")?;
            eprintln!(
                "indexed {n} template(s) in {} ms",
                started.elapsed().as_millis()
            );
        }
        Command::MigrateStore(args) => {
            let config = Config::load(Flags {
                data_dir: args.data_dir,
                config_file: args.config,
                ..Flags::default()
            })?;
            init_logging(&config.log)?;
            let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
            let from = StoreConfig::parse(&args.from, env)?;
            let to = StoreConfig::parse(&args.to, env)?;
            let report = migrate_store(&config, &from, &to)
                .await
                .context("could not move the packages")?;
            for p in &report.moved {
                println!("{}@{} {}", p.template, p.version, p.digest);
            }
            for (what, err) in &report.failed {
                eprintln!("error: `{what}`: {err}");
                let mut cause = std::error::Error::source(err);
                while let Some(c) = cause {
                    eprintln!("  caused by: {c}");
                    cause = c.source();
                }
            }
            eprintln!(
                "moved {} package(s), {} failed",
                report.moved.len(),
                report.failed.len()
            );
            if !report.failed.is_empty() {
                anyhow::bail!("{} package(s) were not moved", report.failed.len());
            }
        }
    }
    Ok(())
}
