//! `souk yank`: yank a version, or un-yank it.

use super::ExitStatus;
use crate::cli::YankArgs;
use crate::error::Error;
use crate::output::Printer;
use crate::registry::RegistryClient;

/// Prints `NS/NAME@VERSION yanked` (or `unyanked`); with `--output json`, the
/// registry's answer, or `{"template", "version", "yanked"}` when it sent no body.
pub async fn yank(
    args: &YankArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let target = &args.version;
    let yanked = !args.undo;
    let reply = client.yank(&target.name, &target.version, yanked).await?;
    if printer.is_json() {
        let json = if reply.json.is_null() {
            serde_json::json!({
                "template": target.name.to_string(),
                "version": target.version.to_string(),
                "yanked": yanked,
            })
        } else {
            reply.json
        };
        printer.json(&json)?;
    } else {
        let state = if yanked { "yanked" } else { "unyanked" };
        printer.data(&format!("{target} {state}"))?;
    }
    printer.status(if yanked {
        "resolution no longer chooses it; sites that run it can still download it"
    } else {
        "resolution may choose it again"
    });
    Ok(ExitStatus::Success)
}
