//! One module per command; [`run`] dispatches, and the helpers every command
//! shares live here: reading a template folder or package, and the client.

mod agent;
mod completions;
mod export;
mod history;
mod import;
mod info;
mod install;
mod lint;
mod package;
mod publish;
mod release;
mod resolve;
mod rollback;
mod schema;
mod search;
mod status;
mod uninstall;
mod upgrade;
mod yank;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::Error;
use crate::output::Printer;
use crate::registry::RegistryClient;
use souk_schema::package::{pack_dir, unpack, Package};
use std::path::Path;

/// How a command ended without an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit 0.
    Success,
    /// Exit 1: the command has already explained what is wrong (as `souk lint`
    /// does when it lists problems).
    Failure,
}

/// Run the command the command line names.
pub async fn run(cli: Cli, printer: &Printer) -> Result<ExitStatus, Error> {
    let global = &cli.global;
    match &cli.command {
        Command::Lint(args) => lint::lint(args, printer),
        Command::Package(args) => package::package(args, printer),
        Command::Publish(args) => publish::publish(args, &client(global)?, printer).await,
        Command::Search(args) => search::search(args, &client(global)?, printer).await,
        Command::Info(args) => info::info(args, &client(global)?, printer).await,
        Command::Resolve(args) => resolve::resolve(args, &client(global)?, printer).await,
        Command::Yank(args) => yank::yank(args, &client(global)?, printer).await,
        Command::Schema => schema::schema(printer),
        Command::Import(source) => import::import(source, printer),
        Command::Export(format) => export::export(format, global, printer).await,
        Command::Install(args) => install::install(args, &client(global)?, printer).await,
        Command::Upgrade(args) => upgrade::upgrade(args, &client(global)?, printer).await,
        Command::Rollback(args) => rollback::rollback(args, printer).await,
        Command::Status(args) => status::status(args, printer).await,
        Command::History(args) => history::history(args, printer).await,
        Command::Uninstall(args) => uninstall::uninstall(args, printer).await,
        Command::Agent(args) => agent::agent(args).await,
        Command::Completions { shell } => completions::completions(*shell, printer),
    }
}

fn client(global: &GlobalArgs) -> Result<RegistryClient, Error> {
    RegistryClient::new(global.registry.clone(), global.token.clone())
}

/// A template read from disk, validated, with its package bytes.
#[derive(Debug)]
pub(crate) struct Local {
    /// The `.tgz` bytes.
    pub bytes: Vec<u8>,
    pub package: Package,
}

impl Local {
    /// `namespace/name@version`.
    pub fn id(&self) -> String {
        let t = &self.package.template;
        format!("{}@{}", t.name(), t.version())
    }
}

/// Read a template folder (validate and pack it) or a `.tgz` (validate it).
pub(crate) fn load(path: &Path) -> Result<Local, Error> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        },
    })?;
    let template_error = |error| Error::Template {
        path: path.to_path_buf(),
        error,
    };
    if metadata.is_dir() {
        let packed = pack_dir(path).map_err(template_error)?;
        Ok(Local {
            bytes: packed.bytes,
            package: packed.package,
        })
    } else {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let package = unpack(&bytes).map_err(template_error)?;
        Ok(Local { bytes, package })
    }
}

/// A date-time as the registry gives it (RFC 3339), shortened to the minute.
pub(crate) fn short_time(t: &str) -> String {
    match t.get(..16) {
        Some(head) if t.as_bytes().get(10) == Some(&b'T') => head.replacen('T', " ", 1),
        _ => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shortened_to_the_minute() {
        assert_eq!(
            super::short_time("2025-01-02T03:04:05.123Z"),
            "2025-01-02 03:04"
        );
        assert_eq!(super::short_time("yesterday"), "yesterday");
    }
}
