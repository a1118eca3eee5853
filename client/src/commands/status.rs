//! `souk status`: releases, their revision and state, and their components'
//! containers as the engine reports them.

use super::release::{open, show};
use super::ExitStatus;
use crate::agent::Access;
use crate::cli::StatusArgs;
use crate::error::Error;
use crate::output::{table, Printer};

pub async fn status(args: &StatusArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Read).await?;
    match &args.release {
        Some(name) => show(&agent, name, printer).await?,
        None => {
            let mut all = Vec::new();
            for record in agent.store.releases().await? {
                all.push(agent.status(&record).await?);
            }
            if printer.is_json() {
                printer.json(&all)?;
            } else if all.is_empty() {
                printer.status("no releases on this site (`souk install` makes one)");
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|s| {
                        vec![
                            s.release.clone(),
                            s.template.clone(),
                            s.version.clone(),
                            s.revision.map(|n| n.to_string()).unwrap_or_default(),
                            s.state.to_string(),
                        ]
                    })
                    .collect();
                printer.data(
                    &table(
                        &["RELEASE", "TEMPLATE", "VERSION", "REVISION", "STATE"],
                        &rows,
                        printer.width(),
                        printer.stdout_color(),
                    )
                    .join("\n"),
                )?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
