//! Packages: reproducible `.tgz` packing of a template folder, and safe unpacking.
//!
//! A package is a gzip'd POSIX tar holding `souk.yaml` and exactly the files it
//! references, entries sorted, with fixed mtime, owner and mode, so that the same
//! folder always packs to the same bytes and hence the same [`Digest`].

use crate::manifest::MANIFEST_FILE;
use crate::validate::{is_package_path, Files};
use crate::{Digest, Error, Problem, Problems, Template};
use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};
use std::io::Read;
use std::path::Path;

/// The largest `.tgz` accepted.
pub const MAX_PACKAGE_BYTES: u64 = 20 * 1024 * 1024;
/// The most bytes a package may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
/// The most entries a package may hold.
pub const MAX_ENTRIES: usize = 1000;

/// A valid package: its template, its files and the digest of its bytes.
#[derive(Debug, Clone)]
pub struct Package {
    pub template: Template,
    /// Every file in the package, `souk.yaml` included, by relative path.
    pub files: Files,
    pub digest: Digest,
    /// Size of the `.tgz` in bytes.
    pub size: u64,
}

impl Package {
    /// A file's text, when it is in the package and is UTF-8.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .get(path)
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The README's markdown, if the manifest names one.
    pub fn readme(&self) -> Option<&str> {
        self.template
            .manifest()
            .readme
            .as_deref()
            .and_then(|p| self.text(p))
    }

    /// The changelog's markdown, if the manifest names one.
    pub fn changelog(&self) -> Option<&str> {
        self.template
            .manifest()
            .changelog
            .as_deref()
            .and_then(|p| self.text(p))
    }

    /// The icon's bytes and media type, if the manifest names one.
    pub fn icon(&self) -> Option<(&[u8], &'static str)> {
        let path = self.template.manifest().icon.as_deref()?;
        let media = if path.to_ascii_lowercase().ends_with(".svg") {
            "image/svg+xml"
        } else {
            "image/png"
        };
        self.files.get(path).map(|b| (b.as_slice(), media))
    }
}

/// A folder packed into `.tgz` bytes.
#[derive(Debug, Clone)]
pub struct Packed {
    pub bytes: Vec<u8>,
    pub package: Package,
}

impl Packed {
    /// `NAME-VERSION.tgz`, the file name `souk package` writes.
    pub fn file_name(&self) -> String {
        let t = &self.package.template;
        format!("{}-{}.tgz", t.name().name(), t.version())
    }
}

/// Read, validate and pack the template folder `dir`. Every problem with the
/// manifest or its files is reported at once as [`Error::Invalid`].
pub fn pack_dir(dir: &Path) -> Result<Packed, Error> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read_to_string(&manifest_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoManifest(dir.display().to_string()))
        }
        Err(e) => return Err(Error::io(manifest_path, e)),
    };
    let manifest = crate::manifest::parse(&text).map_err(Error::Invalid)?;

    let mut files = Files::new();
    let mut problems = Problems::default();
    for (field, rel) in manifest.referenced_files() {
        if !is_package_path(rel) || files.contains_key(rel) {
            continue; // path problems are reported by validation; duplicates read once
        }
        let path = dir.join(rel);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {} // reported by validation
            Err(e) => return Err(Error::io(path, e)),
            Ok(md)
                if md.file_type().is_symlink()
                    || !md.is_file()
                    || md.len() > MAX_UNPACKED_BYTES =>
            {
                let why = if md.file_type().is_symlink() {
                    format!("`{rel}` is a symbolic link; packages hold regular files only")
                } else if !md.is_file() {
                    format!("`{rel}` is not a regular file")
                } else {
                    format!(
                        "`{rel}` is {} bytes, more than a package may hold",
                        md.len()
                    )
                };
                problems.push(field, why);
                // A placeholder, so that validation does not also call it missing;
                // the problem above keeps the folder from being packed.
                files.insert(rel.to_string(), Vec::new());
            }
            Ok(_) => {
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                files.insert(rel.to_string(), bytes);
            }
        }
    }
    let template = match crate::validate::validate(manifest, Some(&files)) {
        Ok(t) if problems.is_empty() => t,
        Ok(_) => return Err(Error::Invalid(problems)),
        Err(mut p) => {
            p.0.extend(problems.0);
            return Err(Error::Invalid(p));
        }
    };
    files.insert(MANIFEST_FILE.to_string(), text.into_bytes());
    let bytes = write_tgz(&files)?;
    check_limits(&files, bytes.len() as u64)?;
    let package = Package {
        template,
        digest: Digest::of(&bytes),
        size: bytes.len() as u64,
        files,
    };
    Ok(Packed { bytes, package })
}

fn check_limits(files: &Files, packed: u64) -> Result<(), Error> {
    if packed > MAX_PACKAGE_BYTES {
        return Err(Error::TooLarge(format!(
            "the package is {packed} bytes, more than the {MAX_PACKAGE_BYTES} allowed (20 MiB)"
        )));
    }
    let unpacked: u64 = files.values().map(|b| b.len() as u64).sum();
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(Error::TooLarge(format!(
            "the package unpacks to {unpacked} bytes, more than the {MAX_UNPACKED_BYTES} allowed (100 MiB)"
        )));
    }
    if files.len() > MAX_ENTRIES {
        return Err(Error::TooLarge(format!(
            "the package holds {} files, more than the {MAX_ENTRIES} allowed",
            files.len()
        )));
    }
    Ok(())
}

/// Write `files` as a reproducible `.tgz`: sorted entries (a `BTreeMap` iterates
/// in order), mtime 0, owner 0:0, mode 0644, no gzip name or time.
pub fn write_tgz(files: &Files) -> Result<Vec<u8>, Error> {
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        tar.append_data(&mut h, path, data.as_slice())
            .map_err(|e| Error::io(path, e))?;
    }
    let gz = tar.into_inner().map_err(|e| Error::io("<package>", e))?;
    gz.finish().map_err(|e| Error::io("<package>", e))
}

/// Unpack and validate `.tgz` bytes, refusing anything unsafe before it is used:
/// absolute paths, `..`, links, device files, duplicates, and the size and entry
/// limits (enforced on the bytes actually read, not on what headers claim).
pub fn unpack(bytes: &[u8]) -> Result<Package, Error> {
    if bytes.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(Error::TooLarge(format!(
            "the package is {} bytes, more than the {MAX_PACKAGE_BYTES} allowed (20 MiB)",
            bytes.len()
        )));
    }
    let files = read_entries(bytes)?;
    let text = match files.get(MANIFEST_FILE) {
        Some(b) => std::str::from_utf8(b)
            .map_err(|_| {
                Error::Invalid(Problems(vec![Problem::new(
                    "",
                    "`souk.yaml` is not valid UTF-8",
                )]))
            })?
            .to_string(),
        None => return Err(Error::NoManifest("the package".into())),
    };
    let template =
        crate::validate::parse_and_validate(&text, Some(&files)).map_err(Error::Invalid)?;
    let referenced: std::collections::BTreeSet<&str> = template
        .manifest()
        .referenced_files()
        .into_iter()
        .map(|(_, f)| f)
        .chain([MANIFEST_FILE])
        .collect();
    let extra: Vec<Problem> = files
        .keys()
        .filter(|f| !referenced.contains(f.as_str()))
        .map(|f| {
            Problem::new(
                "",
                format!("`{f}` is in the package but the manifest does not reference it"),
            )
        })
        .collect();
    if !extra.is_empty() {
        return Err(Error::Invalid(Problems(extra)));
    }
    Ok(Package {
        template,
        files,
        digest: Digest::of(bytes),
        size: bytes.len() as u64,
    })
}

/// The package of a template folder archived by hand (`tar czf app.tgz app/`
/// or `tar czf app.tgz -C app .`): the manifest may sit at the root or in one
/// top-level folder, and files it does not reference are left out, exactly as
/// [`pack_dir`] does. Read as safely as [`unpack`]; a package made by `souk
/// package` comes back byte for byte.
pub fn pack_archive(bytes: &[u8]) -> Result<Packed, Error> {
    if bytes.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(Error::TooLarge(format!(
            "the archive is {} bytes, more than the {MAX_PACKAGE_BYTES} allowed (20 MiB)",
            bytes.len()
        )));
    }
    let mut files = read_entries(bytes)?;
    if !files.contains_key(MANIFEST_FILE) {
        let tops: std::collections::BTreeSet<&str> = files
            .keys()
            .map(|k| k.split('/').next().unwrap_or(k))
            .collect();
        let top = match tops.into_iter().collect::<Vec<_>>().as_slice() {
            [top] if files.contains_key(&format!("{top}/{MANIFEST_FILE}")) => format!("{top}/"),
            _ => {
                return Err(Error::NoManifest(
                    "the archive (at its root or in its one top-level folder)".into(),
                ))
            }
        };
        files = files
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(&top).map(|rest| (rest.to_string(), v)))
            .collect();
    }
    let text = std::str::from_utf8(&files[MANIFEST_FILE])
        .map_err(|_| {
            Error::Invalid(Problems(vec![Problem::new(
                "",
                "`souk.yaml` is not valid UTF-8",
            )]))
        })?
        .to_string();
    let manifest = crate::manifest::parse(&text).map_err(Error::Invalid)?;
    let mut kept = Files::new();
    for (_, rel) in manifest.referenced_files() {
        if let Some(data) = files.get(rel) {
            kept.insert(rel.to_string(), data.clone());
        }
    }
    let template = crate::validate::validate(manifest, Some(&kept)).map_err(Error::Invalid)?;
    kept.insert(MANIFEST_FILE.to_string(), text.into_bytes());
    let bytes = write_tgz(&kept)?;
    check_limits(&kept, bytes.len() as u64)?;
    let package = Package {
        template,
        digest: Digest::of(&bytes),
        size: bytes.len() as u64,
        files: kept,
    };
    Ok(Packed { bytes, package })
}

fn read_entries(bytes: &[u8]) -> Result<Files, Error> {
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let mut files = Files::new();
    let mut total: u64 = 0;
    let entries = archive
        .entries()
        .map_err(|e| Error::Corrupt(e.to_string()))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(Error::TooLarge(format!(
                "the package holds more than {MAX_ENTRIES} entries"
            )));
        }
        let mut entry = entry.map_err(|e| Error::Corrupt(e.to_string()))?;
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = raw_path.strip_prefix("./").unwrap_or(&raw_path).to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            if !is_package_path(path.trim_end_matches('/')) && !path.is_empty() {
                return Err(Error::UnsafePackage(format!(
                    "entry `{raw_path}` has an absolute or `..` path"
                )));
            }
            continue;
        }
        if !is_package_path(&path) {
            return Err(Error::UnsafePackage(format!(
                "entry `{raw_path}` has an absolute or `..` path"
            )));
        }
        if !kind.is_file() {
            let what = match kind {
                tar::EntryType::Symlink => "a symbolic link",
                tar::EntryType::Link => "a hard link",
                tar::EntryType::Char | tar::EntryType::Block => "a device file",
                tar::EntryType::Fifo => "a named pipe",
                _ => "not a regular file",
            };
            return Err(Error::UnsafePackage(format!(
                "entry `{raw_path}` is {what}; packages hold regular files only"
            )));
        }
        let remaining = MAX_UNPACKED_BYTES - total;
        let mut data = Vec::new();
        (&mut entry)
            .take(remaining + 1)
            .read_to_end(&mut data)
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        total += data.len() as u64;
        if total > MAX_UNPACKED_BYTES {
            return Err(Error::TooLarge(format!(
                "the package unpacks to more than {MAX_UNPACKED_BYTES} bytes (100 MiB)"
            )));
        }
        if files.insert(path, data).is_some() {
            return Err(Error::UnsafePackage(format!(
                "entry `{raw_path}` appears twice"
            )));
        }
    }
    Ok(files)
}
