//! `souk-registry`: the souk registry server.
//!
//! `serve` runs the HTTP API; `migrate` brings the database schema up to date;
//! `migrate-store` copies the packages to another store.
//! Data goes to stdout (nothing, here); logs and messages go to stderr.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use secrecy::ExposeSecret;
use souk_registry::config::{Config, Flags, LogFormat, StoreConfig};
use souk_registry::startup::{migrate, migrate_store, reindex, Application};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// The souk registry: vendors publish application templates, customers' agents
/// resolve and install them.
///
/// Configuration comes from flags, then the environment (`SOUK_LISTEN`,
/// `SOUK_DATA_DIR`, `SOUK_DATABASE_URL`, `SOUK_DATABASE_POOL_SIZE`,
/// `SOUK_STORE`, `SOUK_ADMIN_TOKEN`, `SOUK_LOG`, `SOUK_LOG_FORMAT` (`text`,
/// the default, or `json`: one object per line), `SOUK_CONFIG`,
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

fn init_logging(config: &Config) -> anyhow::Result<()> {
    // Colours only on a terminal, and never with NO_COLOR (https://no-color.org).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let subscriber = subscriber(&config.log, config.log_format, ansi, std::io::stderr)?;
    // `try_init` also routes the `log` crate's records (actix-web's) here.
    tracing_subscriber::util::SubscriberInitExt::try_init(subscriber)
        .context("cannot install the log subscriber")?;
    Ok(())
}

/// The log subscriber: `filter` (`SOUK_LOG`) in `format` (`SOUK_LOG_FORMAT`:
/// text lines, or one JSON object per line for log shippers) to `writer`.
fn subscriber<W>(
    filter: &str,
    format: LogFormat,
    ansi: bool,
    writer: W,
) -> anyhow::Result<Box<dyn tracing::Subscriber + Send + Sync>>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter)
        .with_context(|| format!("invalid `SOUK_LOG` filter `{filter}`"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    Ok(match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        // Fields at the top level (`template.name`, `duration_ms`) rather than
        // under `fields`, and the span the event is in: what shippers index.
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    })
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
    // Text until the configuration is read: an error before then (a bad
    // `SOUK_LOG_FORMAT` among them) is a plain line.
    let mut format = LogFormat::Text;
    match runtime.block_on(run(cli, &mut format)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            match format {
                LogFormat::Text => {
                    eprintln!("error: {err}");
                    for cause in err.chain().skip(1) {
                        eprintln!("  caused by: {cause}");
                    }
                }
                LogFormat::Json => tracing::error!(error = %format!("{err:#}"), "{err}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// A message for the operator on stderr: a plain line, or an `info` event
/// when logs are JSON, so that every line of stderr is then one object.
fn say(format: LogFormat, message: &str) {
    match format {
        LogFormat::Text => eprintln!("{message}"),
        LogFormat::Json => tracing::info!("{message}"),
    }
}

async fn run(cli: Cli, format: &mut LogFormat) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = Config::load(Flags {
                listen: args.listen,
                data_dir: args.data_dir,
                config_file: args.config,
                demo: args.demo,
            })?;
            init_logging(&config)?;
            *format = config.log_format;
            let mut app = Application::build(config)
                .await
                .context("could not start the registry")?;
            if let Some(token) = app.take_generated_admin_token() {
                say(
                    *format,
                    &format!(
                        "admin token (shown once, store it now): {}",
                        token.expose_secret()
                    ),
                );
            }
            say(
                *format,
                &format!("souk-registry listening on http://{}", app.local_addr()),
            );
            app.run_until_stopped().await.context("the server failed")?;
        }
        Command::Migrate(args) => {
            let config = Config::load(Flags {
                data_dir: args.data_dir,
                config_file: args.config,
                ..Flags::default()
            })?;
            init_logging(&config)?;
            *format = config.log_format;
            let ran = migrate(&config)
                .await
                .context("could not migrate the database")?;
            say(*format, &format!("applied {ran} migration(s)"));
        }
        Command::Reindex(args) => {
            let config = Config::load(Flags {
                data_dir: args.data_dir,
                config_file: args.config,
                ..Flags::default()
            })?;
            init_logging(&config)?;
            *format = config.log_format;
            let started = std::time::Instant::now();
            let n = reindex(&config)
                .await
                .context("could not rebuild the search index")?;
            say(
                *format,
                &format!(
                    "indexed {n} template(s) in {} ms",
                    started.elapsed().as_millis()
                ),
            );
        }
        Command::MigrateStore(args) => {
            let config = Config::load(Flags {
                data_dir: args.data_dir,
                config_file: args.config,
                ..Flags::default()
            })?;
            init_logging(&config)?;
            *format = config.log_format;
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
                let mut lines = format!("error: `{what}`: {err}");
                let mut cause = std::error::Error::source(err);
                while let Some(c) = cause {
                    lines.push_str(&format!("\n  caused by: {c}"));
                    cause = c.source();
                }
                say(*format, &lines);
            }
            say(
                *format,
                &format!(
                    "moved {} package(s), {} failed",
                    report.moved.len(),
                    report.failed.len()
                ),
            );
            if !report.failed.is_empty() {
                anyhow::bail!("{} package(s) were not moved", report.failed.len());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer into a shared buffer, standing in for stderr.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat) -> String {
        let buffer = Buffer::default();
        let out = buffer.clone();
        let subscriber = subscriber("info", format, false, move || out.clone()).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("publish", template.name = "acme/app");
            let _entered = span.enter();
            tracing::info!(duration_ms = 12, "published `acme/app`");
            tracing::warn!(error = "a \"quoted\"\nmessage", "health check failed");
            tracing::debug!("filtered out");
        });
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn json_logs_are_one_object_per_line() {
        let text = logged(LogFormat::Json);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("`{l}`: {e}")))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["message"], "published `acme/app`");
        assert_eq!(lines[0]["duration_ms"], 12);
        assert_eq!(lines[0]["span"]["template.name"], "acme/app");
        assert!(lines[0]["timestamp"].is_string());
        assert_eq!(lines[1]["level"], "WARN");
        assert_eq!(lines[1]["error"], "a \"quoted\"\nmessage");
    }

    #[test]
    fn text_logs_stay_the_default_lines() {
        let text = logged(LogFormat::default());
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains(" INFO publish{template.name=\"acme/app\"}: "));
        assert!(!text.trim_start().starts_with('{'));
    }

    #[test]
    fn a_bad_filter_is_an_error() {
        let err = subscriber("=[", LogFormat::Json, false, std::io::sink)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("invalid `SOUK_LOG` filter"),
            "{err}"
        );
    }
}
