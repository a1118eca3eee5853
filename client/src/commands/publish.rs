//! `souk publish`: lint and package a folder (or check a `.tgz`), then upload it.

use super::{load, ExitStatus};
use crate::cli::PublishArgs;
use crate::error::Error;
use crate::output::{human_bytes, Printer, DIM};
use crate::registry::RegistryClient;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Prints `NS/NAME@VERSION sha256:…`; with `--output json`, the registry's
/// version object. Nothing is sent unless the package is valid here first.
pub async fn publish(
    args: &PublishArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let mut local = load(&args.path)?;
    let bytes = bytes::Bytes::from(std::mem::take(&mut local.bytes));
    let id = local.id();
    let package = &local.package;
    printer.status(&format!(
        "publishing `{id}` ({}) to {}",
        human_bytes(package.size),
        client.base()
    ));

    let progress = progress_bar(printer, package.size);
    let on_progress = {
        let progress = progress.clone();
        move |n| progress.inc(n)
    };
    let result = client.publish(bytes, on_progress).await;
    progress.finish_and_clear();

    let reply = match result {
        Ok(reply) => reply,
        Err(Error::Api { status, .. }) if status.as_u16() == 409 => {
            let t = &package.template;
            return Err(Error::VersionExists {
                name: t.name().to_string(),
                version: t.version().to_string(),
                registry: client.base().to_string(),
            });
        }
        Err(e) => return Err(e),
    };

    let digest = &reply.data.digest;
    if *digest != package.digest.as_str() {
        printer.warning(&format!(
            "the registry records digest `{digest}`, but the package sent has `{}`",
            package.digest
        ));
    }
    if printer.is_json() {
        printer.json(&reply.json)?;
    } else {
        printer.data(&format!("{id} {digest}"))?;
    }
    printer.status(&format!(
        "published `{id}` {}",
        printer.err_style(DIM, &format!("(`souk info {id}` shows it)"))
    ));
    Ok(ExitStatus::Success)
}

/// A byte progress bar on stderr; hidden unless stderr is a terminal and the
/// output is text.
fn progress_bar(printer: &Printer, len: u64) -> ProgressBar {
    if !printer.show_progress() {
        return ProgressBar::hidden();
    }
    let template = if printer.stderr_color() {
        "  uploading [{bar:30.cyan/blue}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}"
    } else {
        "  uploading [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}"
    };
    let style = ProgressStyle::with_template(template)
        .expect("a valid progress template")
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()).with_style(style)
}
