//! Mounts: a service's `volumes`, the top-level `volumes`, and files of the project folder.

use super::{key_text, scalar, Compose};
use crate::import::{add_volume, is_container_path, slug};
use crate::manifest::{Component, ConfigFile};
use serde_yaml_ng::Value;

impl Compose<'_> {
    pub(super) fn volumes(&mut self, service: &str, v: &Value, field: &str, comp: &mut Component) {
        let Some(list) = v.as_sequence() else {
            self.d.warn(field, "expected a list of mounts; ignored");
            return;
        };
        for (i, m) in list.iter().enumerate() {
            let field = format!("{field}[{i}]");
            let (kind, source, target, read_only) = match m {
                Value::Mapping(map) => {
                    let get = |k: &str| map.get(k).and_then(scalar);
                    for (k, _) in map {
                        let k = key_text(k);
                        if !matches!(k.as_str(), "type" | "source" | "target" | "read_only") {
                            self.d.warn(
                                format!("{field}.{k}"),
                                format!("`{k}` has no equivalent in a souk mount; ignored"),
                            );
                        }
                    }
                    (
                        get("type").unwrap_or_else(|| "volume".into()),
                        get("source").map(|s| self.literal(&s, &field)),
                        get("target")
                            .map(|s| self.literal(&s, &field))
                            .unwrap_or_default(),
                        map.get("read_only")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    )
                }
                other => {
                    let Some(s) = scalar(other) else {
                        self.d.warn(&field, "expected a mount; ignored");
                        continue;
                    };
                    let s = self.literal(&s, &field);
                    let parts: Vec<&str> = s.split(':').collect();
                    let (source, target, mode) = match parts.as_slice() {
                        [t] => (None, t.to_string(), ""),
                        [s, t] => (Some(s.to_string()), t.to_string(), ""),
                        [s, t, m] => (Some(s.to_string()), t.to_string(), *m),
                        _ => {
                            self.d.warn(
                                &field,
                                format!("`{s}` is not a mount souk can read; ignored"),
                            );
                            continue;
                        }
                    };
                    let kind = match &source {
                        Some(s) if is_host_path(s) => "bind",
                        _ => "volume",
                    };
                    for option in mode.split(',') {
                        if !matches!(option, "" | "ro" | "rw") {
                            self.d.warn(
                                &field,
                                format!("the mount option `{option}` is not carried over"),
                            );
                        }
                    }
                    let ro = mode.split(',').any(|o| o == "ro");
                    (kind.to_string(), source, target, ro)
                }
            };
            if !self.mountable(comp, &target, &field) {
                continue;
            }
            match (kind.as_str(), source) {
                ("volume", None) => self.d.warn(
                    field,
                    format!("an anonymous volume at `{target}` lives only as long as the container in Compose; not carried over (name it if it must persist)"),
                ),
                ("volume", Some(src)) => {
                    if read_only {
                        self.d.warn(
                            &field,
                            "souk volumes are mounted read-write; `ro` is not carried over",
                        );
                    }
                    add_volume(comp, &src, target, None);
                    self.volume_users
                        .entry(src)
                        .or_default()
                        .push(service.to_string());
                    // Its data outlives the container: souk's stateful components
                    // keep their identity and volumes.
                    comp.stateful = true;
                }
                ("bind", Some(src)) => self.bind(&src, &target, &field, comp),
                ("bind", None) => self.d.warn(field, "a bind mount without `source`; ignored"),
                ("tmpfs", _) => self.d.warn(
                    field,
                    format!("souk has no in-memory mounts; the tmpfs at `{target}` is not carried over"),
                ),
                (other, _) => self.d.warn(
                    field,
                    format!("a mount of type `{other}` is not carried over"),
                ),
            }
        }
    }

    /// A bind-mounted file of the project becomes a config file; anything else
    /// is warned about.
    fn bind(&mut self, src: &str, target: &str, field: &str, comp: &mut Component) {
        if src.ends_with("docker.sock") {
            self.d.warn(
                field,
                format!("`{src}` gives the container control of the host's Docker Engine; souk does not grant that, not carried over"),
            );
            return;
        }
        let Some((rel, bytes)) = self.project_file(src, field, true) else {
            return;
        };
        let source = self.package_file(&rel, bytes, field);
        comp.config_files.push(ConfigFile {
            path: target.to_string(),
            source,
        });
    }

    /// Read a file of the project: `(package-relative path, bytes)`, or `None`
    /// with a warning saying why not.
    pub(super) fn project_file(
        &mut self,
        path: &str,
        field: &str,
        required: bool,
    ) -> Option<(String, Vec<u8>)> {
        if path.starts_with('/') || path.starts_with('~') {
            self.d.warn(
                field,
                format!(
                    "`{path}` is a path on the host, outside the project folder; not carried over"
                ),
            );
            return None;
        }
        let Some(base) = self.base.clone() else {
            self.d.warn(
                field,
                if self.base_given {
                    format!("the project folder cannot be read, so `{path}` is not carried over")
                } else {
                    format!(
                        "no project folder was given, so `{path}` cannot be read; not carried over"
                    )
                },
            );
            return None;
        };
        let full = match std::fs::canonicalize(base.join(path)) {
            Ok(p) => p,
            Err(_) => {
                if required {
                    self.d.warn(
                        field,
                        format!("`{path}` does not exist in the project folder; not carried over"),
                    );
                }
                return None;
            }
        };
        let Ok(rel) = full.strip_prefix(&base) else {
            self.d.warn(
                field,
                format!("`{path}` is outside the project folder; not carried over"),
            );
            return None;
        };
        if full.is_dir() {
            self.d.warn(
                field,
                format!("`{path}` is a folder; souk mounts single files (config files): copy what the component needs into its image or list its files"),
            );
            return None;
        }
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match std::fs::read(&full) {
            Ok(bytes) => Some((rel.join("/"), bytes)),
            Err(e) => {
                self.d.warn(
                    field,
                    format!("`{path}` cannot be read ({e}); not carried over"),
                );
                None
            }
        }
    }

    /// Put a project file in the package under `files/`, keeping `${` literal.
    pub(super) fn package_file(&mut self, rel: &str, bytes: Vec<u8>, field: &str) -> String {
        let bytes = match String::from_utf8(bytes) {
            Ok(text) => self.d.literal(
                &text,
                field,
                format!("`{rel}` holds `${{`, which souk expands in config files; written as `$${{` so that the file reads as before"),
            ).into_bytes(),
            Err(e) => e.into_bytes(),
        };
        let wanted = format!("files/{rel}");
        let wanted = if crate::validate::is_package_path(&wanted) {
            wanted
        } else {
            format!("files/{}", slug(rel))
        };
        self.d.add_file(&wanted, bytes)
    }

    /// Can a file or volume be mounted at `path` in `comp`: an absolute path in
    /// the container where nothing is mounted yet? If not, a warning at `field`.
    pub(super) fn mountable(&mut self, comp: &Component, path: &str, field: &str) -> bool {
        if !is_container_path(path) {
            self.d.warn(
                field,
                format!("`{path}` is not an absolute path in the container; ignored"),
            );
            return false;
        }
        if comp.volumes.iter().any(|v| v.path == path)
            || comp.config_files.iter().any(|f| f.path == path)
        {
            self.d
                .warn(field, format!("`{path}` is already mounted; ignored"));
            return false;
        }
        true
    }

    pub(super) fn top_volumes(&mut self, v: &Value) {
        let Some(m) = v.as_mapping() else { return };
        for (name, decl) in m {
            let name = key_text(name);
            let Some(decl) = decl.as_mapping() else {
                continue;
            };
            for (k, val) in decl {
                let k = key_text(k);
                let f = format!("volumes.{name}.{k}");
                match k.as_str() {
                    "external" if val.as_bool() == Some(false) => {}
                    "external" => self.d.warn(
                        f,
                        "souk creates each component's volume at install; an existing (external) volume is not used",
                    ),
                    "driver" | "driver_opts" => self.d.warn(
                        f,
                        "the site decides the storage of volumes; the volume driver is not carried over",
                    ),
                    other => self.d.warn(
                        f,
                        format!("`{other}` has no equivalent in a souk volume; ignored"),
                    ),
                }
            }
        }
    }
}

/// Does a short-syntax mount source name a host path rather than a volume?
fn is_host_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.') || s.starts_with('~') || s.contains('/')
}
