//! `souk status`: releases, their revision and state, and their components'
//! containers as the engine reports them.

use super::install::{open, Access};
use super::ExitStatus;
use crate::agent::operation::ReleaseStatus;
use crate::cli::StatusArgs;
use crate::error::Error;
use crate::output::{table, Printer, BOLD};

pub async fn status(args: &StatusArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Read).await?;
    match &args.release {
        Some(name) => {
            let record =
                agent
                    .store
                    .release(name)
                    .await?
                    .ok_or_else(|| Error::ReleaseNotFound {
                        release: name.clone(),
                    })?;
            let status = agent.status(&record).await?;
            if printer.is_json() {
                printer.json(&status)?;
            } else {
                print_one(&status, printer)?;
            }
        }
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
                            s.state.clone(),
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

/// One release, for people.
pub(crate) fn print_one(s: &ReleaseStatus, printer: &Printer) -> Result<(), Error> {
    let mut lines = vec![format!(
        "{} {}@{} revision {} {}",
        printer.out_style(BOLD, &s.release),
        s.template,
        s.version,
        s.revision
            .map(|n| n.to_string())
            .unwrap_or_else(|| "-".into()),
        s.state
    )];
    if !s.message.is_empty() {
        lines.push(format!("  {}", s.message));
    }
    for c in &s.components {
        let ids: Vec<&str> = c
            .containers
            .iter()
            .map(|id| id.get(..12).unwrap_or(id))
            .collect();
        lines.push(format!("  {:<16} {:<9} {}", c.name, c.state, ids.join(" ")));
        for url in &c.urls {
            lines.push(format!("  {:<16} {url}", ""));
        }
    }
    printer.data(&lines.join("\n"))
}
