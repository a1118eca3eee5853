//! `souk install`: resolve, download (digest-checked), render, run, wait ready.

use super::release::{answers, finish, open};
use super::ExitStatus;
use crate::agent::deliver::{self, Source};
use crate::agent::Access;
use crate::cli::InstallArgs;
use crate::error::Error;
use crate::output::Printer;
use crate::registry::RegistryClient;
use semver::VersionReq;

pub async fn install(
    args: &InstallArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let req = args.template.req.clone().unwrap_or(VersionReq::STAR);
    let source = Source {
        client,
        name: &args.template.name,
        pre: args.pre,
    };
    let package = deliver::latest(&source, &req, &args.release, printer).await?;
    let answers = answers(&args.values, &package.template.manifest().parameters)?;
    // Opened once the package is in hand: a template that cannot be resolved,
    // downloaded or given its values leaves the data dir untouched, and needs
    // no engine.
    let agent = open(&args.agent, printer, Access::Write).await?;
    let outcome = agent
        .install(&args.release, &package, &answers, &req)
        .await?;
    finish(&agent, &args.release, outcome, printer).await
}
