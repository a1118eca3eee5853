//! `souk upgrade`: along the registry's upgrade path to the newest reachable
//! version within the release's requirement (or `--requirement REQ`, which
//! replaces it), or to exactly `--to V`, one health-gated step at a time.

use super::release::{answers, finish, open};
use super::ExitStatus;
use crate::agent::deliver::{self, Source, Walk};
use crate::agent::operation::Outcome;
use crate::agent::Access;
use crate::cli::UpgradeArgs;
use crate::error::Error;
use crate::output::Printer;
use crate::registry::RegistryClient;
use souk_schema::package::Package;
use souk_schema::TemplateName;

pub async fn upgrade(
    args: &UpgradeArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Write).await?;
    let (release, _) = agent.current(&args.release).await?;
    let name =
        TemplateName::parse(&release.template).map_err(|message| Error::Render { message })?;
    let source = Source {
        client,
        name: &name,
        pre: args.pre,
    };
    let walk = Walk {
        to: args.to.clone(),
        requirement: args.requirement.clone(),
        skip_failed: false,
        prune_data: args.prune_data,
    };
    let values = |package: &Package| answers(&args.values, &package.template.manifest().parameters);
    let walked = deliver::upgrade(&agent, &source, &args.release, &walk, &values, printer).await?;
    let outcome = match walked.last {
        Some(outcome) => outcome,
        None => {
            printer.status(&format!(
                "`{}` is up to date at {}",
                args.release, walked.from
            ));
            Outcome::Deployed {
                revision: walked.from_revision,
            }
        }
    };
    finish(&agent, &args.release, outcome, printer).await
}
