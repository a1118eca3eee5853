//! `souk upgrade`: to `--to V`, or along the registry's upgrade path to the
//! newest reachable version, one health-gated step at a time.

use super::install::{answers, finish, open, Access};
use super::ExitStatus;
use crate::agent::operation::Outcome;
use crate::cli::UpgradeArgs;
use crate::error::Error;
use crate::output::Printer;
use crate::registry::RegistryClient;
use semver::{Version, VersionReq};
use souk_schema::TemplateName;

pub async fn upgrade(
    args: &UpgradeArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Write).await?;
    let (release, current) = agent.current(&args.release).await?;
    let name =
        TemplateName::parse(&release.template).map_err(|message| Error::Render { message })?;
    let installed = Version::parse(&current.version).map_err(|e| Error::Render {
        message: e.to_string(),
    })?;
    let path: Vec<Version> = match &args.to {
        Some(v) => vec![v.clone()],
        None => match client
            .resolve(&name, &VersionReq::STAR, Some(&installed), args.pre)
            .await
        {
            Ok(r) => r.data.path,
            Err(Error::Api { status, .. }) if status.as_u16() == 404 => Vec::new(),
            Err(e) => return Err(e),
        },
    };
    if path.is_empty() || path.last() == Some(&installed) {
        printer.status(&format!("`{}` is up to date at {installed}", args.release));
        return finish(
            &agent,
            &args.release,
            Outcome::Deployed {
                revision: current.number,
            },
            printer,
        )
        .await;
    }
    let mut outcome = Outcome::Deployed {
        revision: current.number,
    };
    for version in &path {
        printer.status(&format!("upgrading `{}` to {version}", args.release));
        let digest = client.version(&name, version).await?.data.digest;
        let package = crate::agent::fetch(client, &name, version, &digest).await?;
        let answers = answers(&args.values, &package.template.manifest().parameters)?;
        outcome = agent
            .upgrade(&args.release, &package, &answers, args.prune_data)
            .await?;
        if matches!(outcome, Outcome::RolledBack { .. }) {
            break;
        }
    }
    finish(&agent, &args.release, outcome, printer).await
}
