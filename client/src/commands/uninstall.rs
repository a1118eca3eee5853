//! `souk uninstall`: remove a release's containers, network and (unless
//! `--keep-data`) volumes, and forget it.

use super::release::open;
use super::ExitStatus;
use crate::agent::Access;
use crate::cli::UninstallArgs;
use crate::error::Error;
use crate::output::Printer;

pub async fn uninstall(args: &UninstallArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Write).await?;
    agent.uninstall(&args.release, args.keep_data).await?;
    if printer.is_json() {
        printer.json(&serde_json::json!({"release": args.release, "uninstalled": true, "data_kept": args.keep_data}))?;
    } else {
        printer.data(&format!(
            "uninstalled `{}`{}",
            args.release,
            if args.keep_data {
                " (volumes kept)"
            } else {
                ""
            }
        ))?;
    }
    Ok(ExitStatus::Success)
}
