//! `souk package`: write the reproducible `NAME-VERSION.tgz` of a template folder.

use super::{load, ExitStatus};
use crate::cli::PackageArgs;
use crate::error::Error;
use crate::output::{count, human_bytes, Printer};
use std::path::{Path, PathBuf};

/// Prints `PATH DIGEST` on stdout; with `--output json`,
/// `{"name", "version", "path", "digest", "size", "files"}`.
pub fn package(args: &PackageArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    if args.dir.is_file() {
        return Err(Error::NotAFolder {
            path: args.dir.clone(),
        });
    }
    let local = load(&args.dir)?;
    let package = &local.package;
    let file_name = {
        let t = &package.template;
        format!("{}-{}.tgz", t.name().name(), t.version())
    };
    let target = if args.out_dir == Path::new(".") {
        PathBuf::from(&file_name)
    } else {
        args.out_dir.join(&file_name)
    };
    std::fs::create_dir_all(&args.out_dir).map_err(|source| Error::Io {
        action: "create the folder",
        path: args.out_dir.clone(),
        source,
    })?;
    write_atomically(&target, &local.bytes)?;

    if printer.is_json() {
        printer.json(&serde_json::json!({
            "name": package.template.name().to_string(),
            "version": package.template.version().to_string(),
            "path": target,
            "digest": package.digest,
            "size": package.size,
            "files": package.files.keys().collect::<Vec<_>>(),
        }))?;
    } else {
        printer.data(&format!("{} {}", target.display(), package.digest))?;
    }
    printer.status(&format!(
        "packaged `{}`: {}, {}",
        local.id(),
        count(package.files.len(), "file"),
        human_bytes(package.size)
    ));
    Ok(ExitStatus::Success)
}

/// Write through a temporary file in the same folder and rename it, so that a
/// package at `target` is always whole.
fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), Error> {
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = target.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let io = |path: &Path, source| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&temp, bytes).map_err(|e| io(&temp, e))?;
    std::fs::rename(&temp, target).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io(target, e)
    })
}
