//! `souk resolve`: which version a requirement picks, and the upgrade path to it.

use super::ExitStatus;
use crate::cli::ResolveArgs;
use crate::error::Error;
use crate::output::{upgrade_path, Printer};
use crate::registry::RegistryClient;

/// Prints the chosen version, then the path (`1.0.0 → 1.1.0 → 2.0.0`, starting
/// at `--from` when given); with `--output json`, the registry's answer.
pub async fn resolve(
    args: &ResolveArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let reply = match client
        .resolve(&args.template, &args.req, args.from.as_ref(), args.pre)
        .await
    {
        Ok(reply) => reply,
        Err(err @ Error::Api { .. }) if err.code() == "no_matching_version" => {
            printer.report(&err);
            if !args.pre {
                printer.hint("pre-releases are chosen only with `--pre`");
            }
            if args.from.is_some() {
                printer.hint(
                    "with `--from`, only versions the installed one may upgrade to count (see each version's `upgrade.from`)",
                );
            }
            printer.hint(&format!("`souk info {}` lists the versions", args.template));
            return Ok(ExitStatus::Failure);
        }
        Err(err) => return Err(err),
    };
    if printer.is_json() {
        printer.json(&reply.json)?;
        return Ok(ExitStatus::Success);
    }
    let resolution = reply.data;
    printer.data(&resolution.version.to_string())?;
    // The path ends with the chosen version; a `from` already there adds nothing.
    let from = args.from.as_ref();
    let mut steps: Vec<&semver::Version> = resolution
        .path
        .iter()
        .filter(|v| Some(*v) != from)
        .collect();
    if steps.is_empty() && from != Some(&resolution.version) {
        steps.push(&resolution.version);
    }
    printer.data(&upgrade_path(from.as_ref(), &steps))?;
    printer.status(&format!(
        "{}@{} {}",
        args.template,
        resolution.version,
        printer.err_style(crate::output::DIM, &resolution.digest)
    ));
    Ok(ExitStatus::Success)
}
