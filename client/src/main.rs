//! The `souk` binary: parse the command line, run the command, exit with its code
//! (0 success, 1 an explained failure, 2 bad usage; clap exits 2 on its own).
//! The agent's logs go to stderr as `SOUK_LOG` filters them, in the format of
//! `SOUK_LOG_FORMAT`: `text` (the default) or `json`, one object per line.

use clap::Parser;
use souk::cli::{Cli, Command};
use souk::commands::{self, ExitStatus};
use souk::output::Printer;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return souk::cli::usage_error(e),
    };
    let printer = Printer::new(cli.global.output);
    if matches!(cli.command, Command::Agent(_)) {
        if let Err(message) = init_agent_logging() {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, &printer)) {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Failure) => ExitCode::FAILURE,
        Err(err) => {
            printer.report(&err);
            match &err {
                souk::Error::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(err.exit_code()),
            }
        }
    }
}

/// The agent's log subscriber (the other commands print, they do not log).
/// A bad `SOUK_LOG_FORMAT` is bad usage, as a bad flag would be.
fn init_agent_logging() -> Result<(), String> {
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::EnvFilter;
    let json = match std::env::var("SOUK_LOG_FORMAT").ok().as_deref() {
        None | Some("") | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            return Err(format!(
                "`SOUK_LOG_FORMAT`: `{other}` is not a log format: `text` or `json`"
            ))
        }
    };
    // Colours only on a terminal, and never with NO_COLOR (https://no-color.org).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SOUK_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr);
    // Ignored when a subscriber is already set: logging is not worth failing for.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .finish()
            .try_init()
    } else {
        builder.with_ansi(ansi).finish().try_init()
    };
    Ok(())
}
