//! `souk import compose|rainbond`: write a template folder from another format.

use super::{load, ExitStatus};
use crate::cli::{ImportSource, ImportTarget};
use crate::error::Error;
use crate::output::{count, Printer};
use souk_schema::import::{compose, rainbond, Imported};
use std::path::{Path, PathBuf};

/// Prints the folder written on stdout and one `warning:` line per thing not
/// carried over on stderr; with `--output json`,
/// `{"path", "name", "version", "files", "warnings"}`.
pub fn import(source: &ImportSource, printer: &Printer) -> Result<ExitStatus, Error> {
    let (file, target, imported) = match source {
        ImportSource::Compose(args) => {
            let opts = compose::Options {
                namespace: args.target.namespace.clone(),
                name: args.name.clone(),
                images: args.images.iter().cloned().collect(),
            };
            let imported =
                compose::import_file(&args.file, &opts).map_err(|error| Error::Import {
                    path: args.file.clone(),
                    error,
                })?;
            (&args.file, &args.target, imported)
        }
        ImportSource::Rainbond(args) => {
            let text = read_text(&args.file)?;
            let opts = rainbond::Options {
                namespace: args.target.namespace.clone(),
            };
            let imported = rainbond::import(&text, &opts).map_err(|error| Error::Import {
                path: args.file.clone(),
                error,
            })?;
            (&args.file, &args.target, imported)
        }
    };
    let manifest = souk_schema::manifest::parse(imported.manifest_text())
        .expect("an import is validated before it is returned");
    let out = target
        .out_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(manifest.name.rsplit('/').next().unwrap_or("imported")));
    ensure_writable(&out, target)?;
    write(&imported, &out)?;
    // The folder must lint clean as written; this is the check `souk lint` runs.
    let local = load(&out)?;

    for w in &imported.warnings {
        printer.warning(&w.to_string());
    }
    if printer.is_json() {
        printer.json(&serde_json::json!({
            "path": out,
            "name": manifest.name,
            "version": manifest.version,
            "files": imported.files.keys().collect::<Vec<_>>(),
            "warnings": imported.warnings,
        }))?;
    } else {
        printer.data(&out.display().to_string())?;
    }
    printer.status(&format!(
        "imported `{}` into `{}` as `{}`: {}, {}",
        file.display(),
        out.display(),
        local.id(),
        count(manifest.components.len(), "component"),
        count(imported.warnings.len(), "warning"),
    ));
    if !imported.warnings.is_empty() {
        printer.hint("review the warnings, edit `souk.yaml` (choose its category), then `souk lint` and `souk publish`");
    }
    Ok(ExitStatus::Success)
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        },
    })
}

fn ensure_writable(out: &Path, target: &ImportTarget) -> Result<(), Error> {
    if out.is_file() {
        return Err(Error::NotAFolder {
            path: out.to_path_buf(),
        });
    }
    let empty = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(source) => {
            return Err(Error::Io {
                action: "read",
                path: out.to_path_buf(),
                source,
            })
        }
    };
    if empty || target.force {
        Ok(())
    } else {
        Err(Error::FolderNotEmpty {
            path: out.to_path_buf(),
        })
    }
}

fn write(imported: &Imported, out: &Path) -> Result<(), Error> {
    imported.write_to(out).map_err(|error| Error::Template {
        path: out.to_path_buf(),
        error,
    })
}
