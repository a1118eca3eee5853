//! Docker Compose files → souk templates.
//!
//! Every key of the file is either carried over or named in a warning. Compose's
//! `${VAR}` interpolation becomes install-time parameters where souk expands
//! references (env, command, args, config files), and the variable's default
//! elsewhere. Files are read only inside the project folder (`base_dir`), so a
//! Compose file cannot pull a host file such as `~/.ssh/id_rsa` into a package,
//! and secrets become secret parameters rather than files copied into it.

mod environment;
mod health;
mod interpolation;
mod ports;
mod resources;
mod secrets;
mod services;
mod volumes;

use super::{component_like, short_name, slug, Draft, ImportError, Imported};
use crate::names::is_segment;
use crate::validate::is_image_reference;
use serde_yaml_ng::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How to import a Compose file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The template's namespace (default `imported`).
    pub namespace: Option<String>,
    /// The template's name (default: the file's `name:`, else its file name).
    pub name: Option<String>,
    /// Images for services, by service name (`--image SERVICE=REF`): they replace
    /// the placeholder of a `build:`-only service, or the service's image.
    pub images: BTreeMap<String, String>,
}

/// Import a Compose file. `base_dir` is its project folder, where `env_file`,
/// `.env` and bind-mounted files are read; without it they are warned about.
pub fn import(
    yaml: &str,
    base_dir: Option<&Path>,
    opts: &Options,
) -> Result<Imported, ImportError> {
    convert(yaml, base_dir, opts, None)
}

/// Import the Compose file at `path`, with its folder as the project folder. The
/// template is named after the file (`nginx-golang-postgres.yaml`), or after its
/// folder when the file has one of Compose's usual names (`compose.yaml`).
pub fn import_file(path: &Path, opts: &Options) -> Result<Imported, ImportError> {
    let yaml = std::fs::read_to_string(path).map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let usual = ["compose", "docker-compose"]
        .iter()
        .any(|u| stem == *u || stem.starts_with(&format!("{u}.")));
    let fallback = if usual {
        std::fs::canonicalize(&base)
            .ok()
            .and_then(|b| b.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .unwrap_or_else(|| stem.to_string())
    } else {
        stem.to_string()
    };
    convert(&yaml, Some(&base), opts, Some(&fallback))
}

fn yaml_error(e: serde_yaml_ng::Error) -> ImportError {
    let location = e.location();
    let message = e.to_string();
    let message = match message.split_once(" at line ") {
        Some((m, _)) if location.is_some() => m.to_string(),
        _ => message,
    };
    ImportError::Yaml {
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        message,
    }
}

fn convert(
    yaml: &str,
    base_dir: Option<&Path>,
    opts: &Options,
    fallback_name: Option<&str>,
) -> Result<Imported, ImportError> {
    let namespace = super::namespace(opts.namespace.as_deref())?;
    let mut root: Value = serde_yaml_ng::from_str(yaml).map_err(yaml_error)?;
    root.apply_merge().map_err(yaml_error)?;
    let wrong = |reason: String| ImportError::WrongKind {
        expected: "Docker Compose file",
        reason,
    };
    let Value::Mapping(top) = root else {
        return Err(wrong(format!(
            "expected a mapping with `services`, found {}",
            yaml_kind(&root)
        )));
    };
    let services = match top.get("services") {
        Some(Value::Mapping(m)) if !m.is_empty() => m,
        Some(Value::Mapping(_)) | Some(Value::Null) => {
            return Err(ImportError::Invalid {
                field: "services".into(),
                message: "no services: a Compose file defines at least one".into(),
            })
        }
        Some(other) => {
            return Err(ImportError::Invalid {
                field: "services".into(),
                message: format!("expected a mapping of services, found {}", yaml_kind(other)),
            })
        }
        None => {
            let v1 = !top.is_empty()
                && top
                    .values()
                    .all(|v| v.get("image").is_some() || v.get("build").is_some());
            return Err(wrong(if v1 {
                "no `services`; this looks like the version 1 format, with services at the top level: put them under `services:`".into()
            } else {
                "no `services`".into()
            }));
        }
    };

    let short = match &opts.name {
        Some(n) if is_segment(n) => n.clone(),
        Some(n) => {
            return Err(ImportError::InvalidOption {
                option: "name",
                message: format!("`{n}` must be lowercase letters, digits and `-`, starting with a letter or digit, at most 63"),
            })
        }
        None => top
            .get("name")
            .and_then(Value::as_str)
            .or(fallback_name)
            .and_then(short_name)
            .unwrap_or_else(|| "app".into()),
    };
    for (service, image) in &opts.images {
        if !services.contains_key(service.as_str()) {
            let known: Vec<&str> = services.keys().filter_map(Value::as_str).collect();
            return Err(ImportError::InvalidOption {
                option: "--image",
                message: format!(
                    "no service named `{service}` (services: {})",
                    known.join(", ")
                ),
            });
        }
        if !is_image_reference(image) {
            return Err(ImportError::InvalidOption {
                option: "--image",
                message: format!("`{image}` (for `{service}`) is not an image reference"),
            });
        }
    }

    let title = opts
        .name
        .as_deref()
        .or_else(|| top.get("name").and_then(Value::as_str))
        .or(fallback_name)
        .unwrap_or(&short)
        .to_string();
    let summary = format!(
        "{title}, imported from a Docker Compose file with {} service{}.",
        services.len(),
        if services.len() == 1 { "" } else { "s" }
    );
    let base = base_dir.and_then(|b| std::fs::canonicalize(b).ok());
    let mut c = Compose {
        d: Draft::new(
            format!("{namespace}/{short}"),
            "0.1.0".into(),
            &title,
            &summary,
        ),
        top: &top,
        opts,
        base_given: base_dir.is_some(),
        base,
        dotenv: BTreeMap::new(),
        vars: BTreeMap::new(),
        names: BTreeMap::new(),
        volume_users: BTreeMap::new(),
        secret_params: BTreeMap::new(),
    };
    c.read_dotenv();
    for (key, _) in services {
        let key = key_text(key);
        let taken: BTreeSet<&str> = c.names.values().map(String::as_str).collect();
        let name = component_like(&key, "service", &taken);
        c.names.insert(key, name);
    }
    for (key, svc) in services {
        c.service(&key_text(key), svc)?;
    }
    c.top_level();
    let names = &c.names;
    c.d.break_cycles(&|component| format!("services.{}.depends_on", service_of(names, component)));
    c.d.finish("compose", &format!("the Docker Compose file `{title}`"))
}

/// The service a component was made from.
fn service_of(names: &BTreeMap<String, String>, component: &str) -> String {
    names
        .iter()
        .find(|(_, v)| *v == component)
        .map_or_else(|| component.to_string(), |(k, _)| k.clone())
}

/// `slug(s)`, or `fallback` when that is empty.
fn slug_or(s: &str, fallback: &str) -> String {
    let s = slug(s);
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

fn yaml_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A mapping key as text (Compose keys are strings, but YAML allows numbers).
fn key_text(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        other => scalar(other).unwrap_or_default(),
    }
}

/// A scalar as text: strings, numbers and booleans.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct Compose<'a> {
    d: Draft,
    top: &'a Mapping,
    opts: &'a Options,
    /// Whether a project folder was given (even one that cannot be read).
    base_given: bool,
    /// The project folder, canonical.
    base: Option<PathBuf>,
    /// Variables from the project's `.env`, the defaults of interpolation.
    dotenv: BTreeMap<String, String>,
    /// Compose variable → parameter.
    vars: BTreeMap<String, (String, Option<String>)>,
    /// Service → component name.
    names: BTreeMap<String, String>,
    /// Named volume → the services that mount it.
    volume_users: BTreeMap<String, Vec<String>>,
    /// Secret name → its parameter.
    secret_params: BTreeMap<String, String>,
}

impl Compose<'_> {
    /// Top-level keys other than `services`.
    fn top_level(&mut self) {
        let top = self.top;
        for (k, v) in top {
            let k = key_text(k);
            match k.as_str() {
                "services" | "name" | "secrets" | "configs" => {}
                "version" => self.d.warn(
                    "version",
                    "`version` is obsolete in Compose and means nothing to souk",
                ),
                "volumes" => self.top_volumes(v),
                "networks" => {
                    let names: Vec<String> = v
                        .as_mapping()
                        .map(|m| m.keys().map(key_text).collect())
                        .unwrap_or_default();
                    self.d.warn(
                        "networks",
                        format!(
                            "all of a template's components share one network in souk; not carried over: `{}`",
                            names.join("`, `")
                        ),
                    );
                }
                "include" => self.d.warn(
                    "include",
                    "included Compose files are not read; import them on their own",
                ),
                x if x.starts_with("x-") => self
                    .d
                    .warn(x, "an extension field; Compose ignores it and so does souk"),
                other => self.d.warn(
                    other,
                    format!("`{other}` is not a Compose top-level element souk knows; ignored"),
                ),
            }
        }
        for (volume, users) in std::mem::take(&mut self.volume_users) {
            if users.len() > 1 {
                self.d.warn(
                    format!("volumes.{volume}"),
                    format!(
                        "shared by the services `{}` in Compose; souk gives each component its own volume, so they no longer share its data",
                        users.join("`, `")
                    ),
                );
            }
        }
    }
}
