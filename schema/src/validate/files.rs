//! The files a manifest references: safe paths inside the package, present in it,
//! the icon's size, and the `${…}` in config files.

use super::{Files, Validator};

/// The largest icon a package may carry.
pub const MAX_ICON_BYTES: usize = 256 * 1024;

/// Is `p` a safe relative path inside a package (no `..`, not absolute, `/` separated)?
pub fn is_package_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains('\0')
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

impl Validator<'_> {
    pub(super) fn files(&mut self, files: Option<&Files>) {
        let m = self.m;
        for (path, file) in m.referenced_files() {
            if !is_package_path(file) {
                self.p.push(
                    path,
                    format!("`{file}` must be a relative path inside the package, without `..`"),
                );
                continue;
            }
            let Some(files) = files else { continue };
            match files.get(file) {
                None => self
                    .p
                    .push(path, format!("file `{file}` is not in the template folder")),
                Some(bytes) if path == "icon" && bytes.len() > MAX_ICON_BYTES => self.p.push(
                    path,
                    format!(
                        "icon `{file}` is {} KiB, more than the 256 KiB allowed",
                        bytes.len() / 1024
                    ),
                ),
                Some(_) => {}
            }
        }
        let Some(files) = files else { return };
        for (ci, c) in m.components.iter().enumerate() {
            for (fi, f) in c.config_files.iter().enumerate() {
                let Some(bytes) = files.get(&f.source) else {
                    continue;
                };
                let at = format!("components[{ci}].configFiles[{fi}].source");
                match std::str::from_utf8(bytes) {
                    // Binary config files are mounted as they are.
                    Err(_) => {}
                    Ok(text) => {
                        let problems_before = self.p.len();
                        self.check_references(&at, text);
                        for p in &mut self.p.0[problems_before..] {
                            p.message = format!("in `{}`: {}", f.source, p.message);
                        }
                    }
                }
            }
        }
    }
}
