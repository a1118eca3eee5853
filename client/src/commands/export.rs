//! `souk export compose`: a template, rendered with its values, as Compose.

use super::{client, load, ExitStatus};
use crate::agent::render::render;
use crate::agent::values;
use crate::cli::{ExportComposeArgs, ExportFormat, GlobalArgs, TemplateReq};
use crate::error::Error;
use crate::export::{compose, FILES_DIR};
use crate::output::{count, Printer};
use semver::{Version, VersionReq};
use souk_schema::package::Package;
use std::path::{Path, PathBuf};

/// Prints the compose file's path on stdout (with `--output json`,
/// `{"path", "files", "warnings"}`), one `warning:` per thing not carried over.
pub async fn export(
    format: &ExportFormat,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let ExportFormat::Compose(args) = format;
    let package = source(args, global).await?;
    let manifest = package.template.manifest();
    let answers = super::release::answers(&args.values, &manifest.parameters)?;
    let values = values::resolve(&manifest.parameters, &answers)
        .map_err(|problems| Error::Values { problems })?;
    let release = args
        .release
        .clone()
        .unwrap_or_else(|| package.template.name().name().to_string());
    let state = render(&package.template, &package.files, &release, &values)
        .map_err(|message| Error::Render { message })?;
    let exported = compose(&state);

    let dir = args
        .file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut targets = vec![args.file.clone()];
    targets.extend(exported.files.iter().map(|(rel, _)| dir.join(rel)));
    if !args.force {
        if let Some(existing) = targets.iter().find(|t| t.exists()) {
            return Err(Error::FileExists {
                path: existing.clone(),
            });
        }
    }
    let text = format!(
        "# {}@{} as release `{release}`, written by `souk export compose`.\n{}",
        package.template.name(),
        package.template.version(),
        crate::export::to_yaml(&exported.document)
    );
    for (rel, content) in &exported.files {
        write(&dir.join(rel), content.as_bytes())?;
    }
    write(&args.file, text.as_bytes())?;

    for w in &exported.warnings {
        printer.warning(w);
    }
    if values.secrets(&manifest.parameters).next().is_some() {
        printer.warning(&format!(
            "`{}` holds the values of secret parameters: keep it private",
            args.file.display()
        ));
    }
    if printer.is_json() {
        printer.json(&serde_json::json!({
            "path": args.file,
            "files": exported.files.iter().map(|(rel, _)| dir.join(rel)).collect::<Vec<_>>(),
            "warnings": exported.warnings,
        }))?;
    } else {
        printer.data(&args.file.display().to_string())?;
    }
    printer.status(&format!(
        "exported `{}@{}` as `{}`: {}{}",
        package.template.name(),
        package.template.version(),
        args.file.display(),
        count(state.components.len(), "component"),
        if exported.files.is_empty() {
            String::new()
        } else {
            format!(
                ", {} under `{}`",
                count(exported.files.len(), "config file"),
                dir.join(FILES_DIR).display()
            )
        }
    ));
    Ok(ExitStatus::Success)
}

/// A local folder or `.tgz`, or a version downloaded from the registry.
async fn source(args: &ExportComposeArgs, global: &GlobalArgs) -> Result<Package, Error> {
    let path = Path::new(&args.source);
    if path.exists() {
        return Ok(load(path)?.package);
    }
    let wanted: TemplateReq = args.source.parse().map_err(|message| Error::Usage {
        message: format!(
            "`{}` is neither a path nor `NS/NAME[@VERSION]`: {message}",
            args.source
        ),
    })?;
    // `@1.2.0` means that version, not `^1.2.0`.
    let req = match args.source.split_once('@').map(|(_, v)| v) {
        Some(v) => match Version::parse(v) {
            Ok(exact) => VersionReq::parse(&format!("={exact}")).expect("an exact requirement"),
            Err(_) => wanted.req.clone().unwrap_or(VersionReq::STAR),
        },
        None => VersionReq::STAR,
    };
    let client = client(global)?;
    let resolved = client.resolve(&wanted.name, &req, None, false).await?.data;
    crate::agent::deliver::fetch(&client, &wanted.name, &resolved.version, &resolved.digest).await
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            action: "create the folder",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}
