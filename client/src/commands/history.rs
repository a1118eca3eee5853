//! `souk history`: a release's revisions, oldest first, with why one failed.
//! Parameter values are not shown (secrets are among them).

use super::release::open;
use super::{short_time, ExitStatus};
use crate::agent::Access;
use crate::cli::HistoryArgs;
use crate::error::Error;
use crate::output::{table, Printer};

pub async fn history(args: &HistoryArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Read).await?;
    agent.release(&args.release).await?;
    let revisions = agent.store.revisions(&args.release).await?;
    if printer.is_json() {
        let items: Vec<serde_json::Value> = revisions
            .iter()
            .map(|r| {
                serde_json::json!({
                    "revision": r.number,
                    "version": r.version,
                    "digest": r.digest,
                    "outcome": r.outcome.as_str(),
                    "reason": r.reason,
                    "created_at": r.created_at,
                })
            })
            .collect();
        printer.json(&items)?;
    } else {
        let rows: Vec<Vec<String>> = revisions
            .iter()
            .map(|r| {
                vec![
                    r.number.to_string(),
                    r.version.clone(),
                    r.outcome.to_string(),
                    short_time(&r.created_at),
                    r.reason.clone().unwrap_or_default(),
                ]
            })
            .collect();
        printer.data(
            &table(
                &["REVISION", "VERSION", "OUTCOME", "AT", "REASON"],
                &rows,
                printer.width(),
                printer.stdout_color(),
            )
            .join("\n"),
        )?;
    }
    Ok(ExitStatus::Success)
}
