//! Docker Compose files → souk templates.
//!
//! Every key of the file is either carried over or named in a warning. Compose's
//! `${VAR}` interpolation becomes install-time parameters where souk expands
//! references (env, command, args, config files), and the variable's default
//! elsewhere. Files are read only inside the project folder (`base_dir`), so a
//! Compose file cannot pull a host file such as `~/.ssh/id_rsa` into a package,
//! and secrets become secret parameters rather than files copied into it.

use super::shell;
use super::{
    binary_quantity, component_like, escape, is_secret_name, name_ports, new_component, param_name,
    port_ref, short_name, slug, Draft, ImportError, Imported,
};
use crate::manifest::{
    Component, ConfigFile, Env, ExecProbe, HttpRoute, ParamType, Parameter, Probe, Protocol,
    Quantity, Resources, StreamRoute, Volume,
};
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

/// A piece of a string after Compose interpolation.
enum Piece {
    Text(String),
    Var {
        name: String,
        default: Option<String>,
        error: Option<String>,
    },
}

/// A port as Compose writes it, short or long.
struct PortSpec {
    /// Where it is written, for warnings.
    field: String,
    /// From `expose`: reachable by other components only.
    exposed: bool,
    target: u32,
    published: Option<u32>,
    host_ip: Option<String>,
    udp: bool,
    http: bool,
    name: Option<String>,
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
    fn read_dotenv(&mut self) {
        let Some(base) = &self.base else { return };
        let path = base.join(".env");
        if !path.is_file() {
            return;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            self.d
                .warn(".env", "cannot be read as text; its defaults are not used");
            return;
        };
        for (key, value, _) in parse_env_file(&text) {
            if let Some(v) = value {
                self.dotenv.insert(key, v);
            }
        }
    }

    /// Split `s` at Compose's `$VAR`, `${VAR…}` and `$$`.
    fn pieces(&mut self, s: &str, field: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            text.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(r) = after.strip_prefix('$') {
                text.push('$');
                rest = r;
            } else if let Some(inner_start) = after.strip_prefix('{') {
                let Some(end) = matching_brace(inner_start) else {
                    self.d
                        .warn(field, format!("`{s}` has an unclosed `${{`; kept as text"));
                    text.push('$');
                    rest = after;
                    continue;
                };
                let inner = &inner_start[..end];
                rest = &inner_start[end + 1..];
                let name_len = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_len);
                if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                    self.d.warn(
                        field,
                        format!("`${{{inner}}}` is not a Compose variable; kept as text"),
                    );
                    text.push_str("${");
                    text.push_str(inner);
                    text.push('}');
                    continue;
                }
                let (default, error) = if let Some(d) =
                    op.strip_prefix(":-").or(op.strip_prefix('-'))
                {
                    (Some(self.literal(d, field)), None)
                } else if let Some(e) = op.strip_prefix(":?").or(op.strip_prefix('?')) {
                    (None, Some(e.to_string()))
                } else if op.starts_with(":+") || op.starts_with('+') {
                    self.d.warn(
                        field,
                        format!("`${{{inner}}}` (a value only when `{name}` is set) has no souk equivalent; left empty"),
                    );
                    continue;
                } else if op.is_empty() {
                    (None, None)
                } else {
                    self.d.warn(
                        field,
                        format!("`${{{inner}}}` is not a Compose interpolation souk knows; kept as text"),
                    );
                    text.push_str("${");
                    text.push_str(inner);
                    text.push('}');
                    continue;
                };
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var {
                    name: name.to_string(),
                    default,
                    error,
                });
            } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                let len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var {
                    name: after[..len].to_string(),
                    default: None,
                    error: None,
                });
                rest = &after[len..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            out.push(Piece::Text(text));
        }
        out
    }

    /// `s` interpolated for a field that souk expands: variables become
    /// parameter references.
    fn souk(&mut self, s: &str, field: &str) -> String {
        let mut out = String::new();
        for piece in self.pieces(s, field) {
            match piece {
                Piece::Text(t) => out.push_str(&escape(&t)),
                Piece::Var {
                    name,
                    default,
                    error,
                } => {
                    let param = self.var_param(&name, default, error, field);
                    out.push_str(&format!("${{params.{param}}}"));
                }
            }
        }
        out
    }

    /// `s` interpolated for a field that souk does not expand: variables take
    /// their default.
    fn literal(&mut self, s: &str, field: &str) -> String {
        let mut out = String::new();
        for piece in self.pieces(s, field) {
            match piece {
                Piece::Text(t) => out.push_str(&t),
                Piece::Var { name, default, .. } => {
                    // A secret from `.env` never reaches the template.
                    let secret = is_secret_name(&name);
                    let value = default
                        .or_else(|| (!secret).then(|| self.dotenv.get(&name).cloned()).flatten())
                        .unwrap_or_default();
                    let used = if secret {
                        "its default from the Compose file is used".to_string()
                    } else {
                        format!("`{value}` is used")
                    };
                    self.d.warn(
                        field,
                        format!("`${name}` cannot be a parameter here (souk expands parameters in env, command, args and config files only); {used}"),
                    );
                    out.push_str(&value);
                }
            }
        }
        out
    }

    /// The parameter standing for a Compose variable, added on first use.
    fn var_param(
        &mut self,
        var: &str,
        default: Option<String>,
        error: Option<String>,
        field: &str,
    ) -> String {
        if let Some((param, first)) = self.vars.get(var) {
            if default.is_some() && default != *first {
                self.d.warn(
                    field,
                    format!("`{var}` has another default elsewhere; parameter `{param}` keeps the first"),
                );
            }
            return param.clone();
        }
        let secret = is_secret_name(var);
        let default = match (default.clone(), self.dotenv.get(var)) {
            (Some(d), _) => Some(d),
            (None, Some(_)) if secret => {
                self.d.warn(
                    ".env",
                    format!("the value of `{var}` is not carried over: it is a secret, asked at install"),
                );
                None
            }
            (None, d) => d.cloned(),
        };
        let (kind, value) = match &default {
            _ if secret => (
                ParamType::Secret,
                default.clone().map(serde_json::Value::String),
            ),
            Some(d) if is_integer(d) => (
                ParamType::Integer,
                d.parse::<i64>().ok().map(serde_json::Value::from),
            ),
            Some(d) if d == "true" || d == "false" => (
                ParamType::Boolean,
                Some(serde_json::Value::Bool(d == "true")),
            ),
            Some(d) => (
                ParamType::String,
                Some(serde_json::Value::String(d.clone())),
            ),
            None => (ParamType::String, None),
        };
        let description = match error.filter(|e| !e.trim().is_empty()) {
            Some(e) => e,
            None => format!("`${{{var}}}` of the Compose file"),
        };
        let param = self.d.add_param(Parameter {
            name: param_name(var),
            title: Some(var.to_string()),
            description: Some(description),
            kind,
            required: value.is_none(),
            default: value,
            pattern: None,
            min: None,
            max: None,
            options: vec![],
        });
        self.vars.insert(var.to_string(), (param.clone(), default));
        param
    }

    fn service(&mut self, key: &str, svc: &Value) -> Result<(), ImportError> {
        let at = format!("services.{key}");
        let Value::Mapping(svc) = svc else {
            return Err(ImportError::Invalid {
                field: at,
                message: "has neither `image` nor `build`".into(),
            });
        };
        let name = self.names[key].clone();
        let image = self.image(key, svc, &at, &name)?;
        let mut comp = new_component(name.clone(), image);
        let mut ports: Vec<PortSpec> = Vec::new();
        let mut mem_cpu: (Option<&Value>, Option<&Value>) = (None, None);
        let mut env_files = None;
        let mut environment = None;
        for (k, v) in svc {
            let k = key_text(k);
            let field = format!("{at}.{k}");
            match k.as_str() {
                "image" | "build" => {}
                "ports" => self.ports(v, &field, &mut ports),
                "expose" => self.expose(v, &field, &mut ports),
                "environment" => environment = Some(v),
                "env_file" => env_files = Some(v),
                "volumes" => self.volumes(key, v, &field, &mut comp),
                "depends_on" | "links" => self.depends_on(key, v, &field, &mut comp),
                "healthcheck" => self.healthcheck(v, &field, &mut comp),
                "command" => {
                    if let Some(words) = self.words(v, &field) {
                        comp.args = words;
                    }
                }
                "entrypoint" => {
                    if let Some(words) = self.words(v, &field) {
                        comp.command = words;
                    }
                }
                "deploy" => self.deploy(v, &field, &mut comp),
                "scale" => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => comp.replicas = n,
                    None => self.d.warn(field, "expected a number of replicas; ignored"),
                },
                "mem_limit" => mem_cpu.0 = Some(v),
                "cpus" => mem_cpu.1 = Some(v),
                "secrets" => self.secrets(v, &field, &mut comp),
                "configs" => self.configs(v, &field, &mut comp),
                other => {
                    let reason = ignored_service_key(other);
                    self.d.warn(field, reason);
                }
            }
        }
        if let Some(v) = env_files {
            self.env_files(v, &format!("{at}.env_file"), &mut comp.env);
        }
        if let Some(v) = environment {
            self.environment(v, &format!("{at}.environment"), &mut comp.env);
        }
        self.legacy_resources(mem_cpu, &at, &mut comp);
        self.place_ports(ports, &mut comp);
        self.d.m.components.push(comp);
        Ok(())
    }

    /// The image of a service: `--image`, else `image`, else a placeholder for a
    /// `build:`-only service.
    fn image(
        &mut self,
        key: &str,
        svc: &Mapping,
        at: &str,
        name: &str,
    ) -> Result<String, ImportError> {
        let build = svc.contains_key("build");
        let given = svc
            .get("image")
            .and_then(scalar)
            .map(|s| self.literal(&s, &format!("{at}.image")));
        let placeholder = format!("imported/{name}:latest");
        let image = if let Some(image) = self.opts.images.get(key) {
            if build {
                self.d.warn(
                    format!("{at}.build"),
                    format!("souk installs images, it does not build them; the image `{image}` given for `{key}` is used"),
                );
            }
            image.clone()
        } else if let Some(image) = given {
            let image = image.trim().to_string();
            if is_image_reference(&image) {
                if build {
                    self.d.warn(
                        format!("{at}.build"),
                        format!("souk installs images, it does not build them; build `{image}` and push it where sites can pull it"),
                    );
                }
                image
            } else {
                self.d.warn(
                    format!("{at}.image"),
                    format!("`{image}` is not an image reference; the component uses the placeholder `{placeholder}`: replace it (or import again with `--image {key}=REF`)"),
                );
                placeholder
            }
        } else if build {
            self.d.warn(
                format!("{at}.build"),
                format!("souk installs images, it does not build them; the component uses the placeholder `{placeholder}`: build and push the image, then replace it (or import again with `--image {key}=REF`)"),
            );
            placeholder
        } else {
            return Err(ImportError::Invalid {
                field: at.to_string(),
                message: "has neither `image` nor `build`".into(),
            });
        };
        Ok(image)
    }

    fn ports(&mut self, v: &Value, field: &str, out: &mut Vec<PortSpec>) {
        let Some(list) = v.as_sequence() else {
            self.d.warn(field, "expected a list of ports; ignored");
            return;
        };
        for (i, p) in list.iter().enumerate() {
            let field = format!("{field}[{i}]");
            let spec = match p {
                Value::Mapping(m) => self.long_port(m, &field),
                other => match scalar(other) {
                    Some(s) => {
                        let s = self.literal(&s, &field);
                        self.short_port(&s, &field)
                    }
                    None => {
                        self.d.warn(&field, "expected a port; ignored");
                        None
                    }
                },
            };
            if let Some(spec) = spec {
                out.push(spec);
            }
        }
    }

    fn short_port(&mut self, s: &str, field: &str) -> Option<PortSpec> {
        let (addr, proto) = match s.rsplit_once('/') {
            Some((a, p)) => (a, p.to_ascii_lowercase()),
            None => (s, "tcp".to_string()),
        };
        if proto != "tcp" && proto != "udp" {
            self.d.warn(
                field,
                format!("protocol `{proto}` is not TCP or UDP; the port is ignored"),
            );
            return None;
        }
        let mut parts = addr.rsplitn(3, ':');
        let target = parts.next().unwrap_or_default();
        let published = parts.next();
        let host_ip = parts
            .next()
            .map(|ip| ip.trim_start_matches('[').trim_end_matches(']').to_string());
        if target.contains('-') || published.is_some_and(|p| p.contains('-')) {
            self.d.warn(
                field,
                format!("`{s}` is a port range; souk declares ports one by one, so it is ignored: list the ports you need"),
            );
            return None;
        }
        let target = self.port_number(target, field)?;
        let published = match published.filter(|p| !p.is_empty()) {
            Some(p) => Some(self.port_number(p, field)?),
            None => None,
        };
        Some(PortSpec {
            field: field.to_string(),
            exposed: false,
            target,
            published,
            host_ip,
            udp: proto == "udp",
            http: proto == "tcp" && clearly_http(target),
            name: None,
        })
    }

    fn long_port(&mut self, m: &Mapping, field: &str) -> Option<PortSpec> {
        let mut spec = PortSpec {
            field: field.to_string(),
            exposed: false,
            target: 0,
            published: None,
            host_ip: None,
            udp: false,
            http: false,
            name: None,
        };
        let mut app_protocol = None;
        for (k, v) in m {
            let k = key_text(k);
            let text = scalar(v)
                .map(|s| self.literal(&s, field))
                .unwrap_or_default();
            match k.as_str() {
                "target" => spec.target = self.port_number(&text, field)?,
                "published" if text.contains('-') => {
                    self.d.warn(
                        field,
                        format!("`{text}` is a port range; the port is published without a route"),
                    );
                }
                "published" if !text.is_empty() => {
                    spec.published = Some(self.port_number(&text, field)?)
                }
                "published" => {}
                "host_ip" => spec.host_ip = Some(text),
                "protocol" => spec.udp = text.eq_ignore_ascii_case("udp"),
                "app_protocol" => app_protocol = Some(text.to_ascii_lowercase()),
                "name" => spec.name = Some(text),
                "mode" => {}
                other => self.d.warn(
                    format!("{field}.{other}"),
                    format!("`{other}` has no equivalent in a souk port; ignored"),
                ),
            }
        }
        if spec.target == 0 {
            self.d.warn(field, "no `target` port; ignored");
            return None;
        }
        spec.http = !spec.udp
            && match app_protocol.as_deref() {
                Some(p) => p == "http" || p == "http2",
                None => clearly_http(spec.target),
            };
        Some(spec)
    }

    fn port_number(&mut self, s: &str, field: &str) -> Option<u32> {
        match s.trim().parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => Some(n),
            _ => {
                self.d.warn(
                    field,
                    format!("`{s}` is not a port number; the port is ignored"),
                );
                None
            }
        }
    }

    fn expose(&mut self, v: &Value, field: &str, out: &mut Vec<PortSpec>) {
        let Some(list) = v.as_sequence() else {
            self.d.warn(field, "expected a list of ports; ignored");
            return;
        };
        for (i, p) in list.iter().enumerate() {
            let field = format!("{field}[{i}]");
            let Some(s) = scalar(p) else {
                self.d.warn(&field, "expected a port; ignored");
                continue;
            };
            let s = self.literal(&s, &field);
            if let Some(spec) = self.short_port(&s, &field) {
                out.push(PortSpec {
                    exposed: true,
                    published: None,
                    ..spec
                });
            }
        }
    }

    /// Declare the component's ports and route the published ones.
    fn place_ports(&mut self, specs: Vec<PortSpec>, comp: &mut Component) {
        let mut declared: Vec<(String, u32, Protocol)> = Vec::new();
        for s in &specs {
            let protocol = if s.udp {
                Protocol::Udp
            } else if s.http {
                Protocol::Http
            } else {
                Protocol::Tcp
            };
            if declared
                .iter()
                .any(|(_, n, p)| *n == s.target && (*p == Protocol::Udp) == s.udp)
            {
                continue;
            }
            let label = s
                .name
                .as_deref()
                .map(slug)
                .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
                .unwrap_or_else(|| protocol.as_str().to_string());
            declared.push((label, s.target, protocol));
        }
        comp.ports = name_ports(declared);
        let http_targets: BTreeSet<u32> = specs
            .iter()
            .filter(|s| s.http && s.published.is_some() && routable(s.host_ip.as_deref()))
            .map(|s| s.target)
            .collect();
        let mut routed_http = BTreeSet::new();
        for s in &specs {
            if s.exposed {
                continue;
            }
            let field = s.field.clone();
            let Some(published) = s.published else {
                self.d.warn(
                    field,
                    format!("port {} is published on a random host port in Compose; souk does not route it (add an `ingress` entry if it must be reachable from outside)", s.target),
                );
                continue;
            };
            match s.host_ip.as_deref() {
                Some(ip) if !routable(Some(ip)) => {
                    self.d.warn(
                        field,
                        format!("published on `{ip}` only, the host's loopback: not reachable from outside, so souk does not route it"),
                    );
                    continue;
                }
                Some(ip) if !ip.is_empty() && ip != "0.0.0.0" && ip != "::" => self.d.warn(
                    &field,
                    format!("bound to the host address `{ip}` in Compose; souk's gateway listens on all of its addresses"),
                ),
                _ => {}
            }
            let port = port_ref(comp, s.target);
            // An HTTP entry keeps no host port: only when the host port is the
            // container's own does it carry the mapping over exactly (and
            // `souk export compose` give it back); otherwise a stream route
            // keeps the host port.
            if s.http && published == s.target {
                if !routed_http.insert(s.target) {
                    self.d.warn(
                        field,
                        format!(
                            "port {} is published twice; one HTTP entry serves it",
                            s.target
                        ),
                    );
                    continue;
                }
                if published != 80 {
                    self.d.warn(
                        &field,
                        format!("host port {published} becomes an HTTP entry at a sub-domain of the site's domain (see `ingress.http`), and stays published on port {published} where the site has no gateway"),
                    );
                }
                let label = if http_targets.len() > 1 {
                    format!("{}-{}", comp.name, s.target)
                } else {
                    comp.name.clone()
                };
                let host = self.d.generated_host(&label);
                self.d.m.ingress.http.push(HttpRoute {
                    host,
                    path: "/".into(),
                    component: comp.name.clone(),
                    port,
                });
            } else {
                let protocol = if s.udp { Protocol::Udp } else { Protocol::Tcp };
                let gateway = self.d.free_stream_port(published, protocol);
                if gateway != published {
                    self.d.warn(
                        field,
                        format!(
                            "host port {published} is routed twice; souk opens {gateway} instead"
                        ),
                    );
                }
                let target_port = if s.udp {
                    comp.ports
                        .iter()
                        .find(|p| p.port == s.target && p.protocol == Protocol::Udp)
                        .map_or(port, |p| crate::manifest::PortRef::Name(p.name.clone()))
                } else {
                    port
                };
                self.d.m.ingress.stream.push(StreamRoute {
                    port: gateway,
                    protocol: Some(protocol),
                    component: comp.name.clone(),
                    target_port,
                });
            }
        }
    }

    fn environment(&mut self, v: &Value, field: &str, env: &mut Env) {
        let mut set = |this: &mut Self, raw_key: &str, value: Option<&Value>, field: &str| {
            let key = this.d.env_name(raw_key, field);
            let value = match value {
                Some(Value::String(s)) => this.souk(s, field),
                Some(Value::Null) | None => {
                    let param = this.var_param(raw_key, None, None, field);
                    format!("${{params.{param}}}")
                }
                Some(other) => match scalar(other) {
                    Some(s) => s,
                    None => {
                        this.d
                            .warn(field, "expected a string, number or boolean; ignored");
                        return;
                    }
                },
            };
            env.insert(key, value);
        };
        match v {
            Value::Mapping(m) => {
                for (k, val) in m {
                    let k = key_text(k);
                    set(self, &k, Some(val), &format!("{field}.{k}"));
                }
            }
            Value::Sequence(list) => {
                for (i, item) in list.iter().enumerate() {
                    let f = format!("{field}[{i}]");
                    let Some(s) = scalar(item) else {
                        self.d.warn(&f, "expected `NAME=VALUE`; ignored");
                        continue;
                    };
                    match s.split_once('=') {
                        Some((k, val)) => set(self, k, Some(&Value::String(val.to_string())), &f),
                        None => set(self, &s, None, &f),
                    }
                }
            }
            _ => self.d.warn(
                field,
                "expected a mapping or a list of `NAME=VALUE`; ignored",
            ),
        }
    }

    fn env_files(&mut self, v: &Value, field: &str, env: &mut Env) {
        let entries: Vec<(String, bool)> = match v {
            Value::Sequence(list) => list
                .iter()
                .filter_map(|e| match e {
                    Value::Mapping(m) => Some((
                        m.get("path").and_then(scalar).unwrap_or_default(),
                        m.get("required").and_then(Value::as_bool).unwrap_or(true),
                    )),
                    other => scalar(other).map(|s| (s, true)),
                })
                .collect(),
            other => scalar(other).map(|s| (s, true)).into_iter().collect(),
        };
        for (i, (path, required)) in entries.into_iter().enumerate() {
            let f = if v.is_sequence() {
                format!("{field}[{i}]")
            } else {
                field.to_string()
            };
            let path = self.literal(&path, &f);
            let bytes = match self.project_file(&path, &f, required) {
                Some((_, bytes)) => bytes,
                None => continue,
            };
            let Ok(text) = String::from_utf8(bytes) else {
                self.d.warn(
                    f,
                    format!("`{path}` is not text; its variables are not carried over"),
                );
                continue;
            };
            for (key, value, literal) in parse_env_file(&text) {
                let vf = format!("{f}:{key}");
                let name = self.d.env_name(&key, &vf);
                let value = match value {
                    _ if is_secret_name(&key) => {
                        let param = self.var_param(&key, None, None, &vf);
                        self.d.warn(
                            vf,
                            format!("the value of `{key}` in `{path}` is not carried over: it is a secret, asked at install (parameter `{param}`)"),
                        );
                        format!("${{params.{param}}}")
                    }
                    None => {
                        let param = self.var_param(&key, None, None, &vf);
                        format!("${{params.{param}}}")
                    }
                    Some(v) if literal => escape(&v),
                    Some(v) => self.souk(&v, &vf),
                };
                env.insert(name, value);
            }
        }
    }

    /// Read a file of the project: `(package-relative path, bytes)`, or `None`
    /// with a warning saying why not.
    fn project_file(
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

    fn volumes(&mut self, service: &str, v: &Value, field: &str, comp: &mut Component) {
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
            if !target.starts_with('/') || target.split('/').any(|s| s == "..") {
                self.d.warn(
                    &field,
                    format!("`{target}` is not an absolute path in the container; ignored"),
                );
                continue;
            }
            let mounted = comp.volumes.iter().any(|v| v.path == target)
                || comp.config_files.iter().any(|f| f.path == target);
            if mounted {
                self.d
                    .warn(&field, format!("`{target}` is already mounted; ignored"));
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
                    let taken: BTreeSet<&str> = comp.volumes.iter().map(|v| v.name.as_str()).collect();
                    let name = component_like(&src, "data", &taken);
                    self.volume_users
                        .entry(src.clone())
                        .or_default()
                        .push(service.to_string());
                    comp.volumes.push(Volume {
                        name,
                        path: target,
                        size: None,
                    });
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

    /// Put a project file in the package under `files/`, keeping `${` literal.
    fn package_file(&mut self, rel: &str, bytes: Vec<u8>, field: &str) -> String {
        let bytes = match String::from_utf8(bytes) {
            Ok(text) if text.contains("${") => {
                self.d.warn(
                    field,
                    format!("`{rel}` holds `${{`, which souk expands in config files; written as `$${{` so that the file reads as before"),
                );
                escape(&text).into_bytes()
            }
            Ok(text) => text.into_bytes(),
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

    fn depends_on(&mut self, service: &str, v: &Value, field: &str, comp: &mut Component) {
        let links = field.ends_with(".links");
        let mut entries: Vec<(String, String, Option<&Mapping>)> = Vec::new();
        match v {
            Value::Sequence(list) => {
                for (i, item) in list.iter().enumerate() {
                    if let Some(s) = scalar(item) {
                        entries.push((s, format!("{field}[{i}]"), None));
                    }
                }
            }
            Value::Mapping(m) => {
                for (k, cond) in m {
                    let k = key_text(k);
                    entries.push((k.clone(), format!("{field}.{k}"), cond.as_mapping()));
                }
            }
            _ => {
                self.d
                    .warn(field, "expected a list or mapping of services; ignored");
                return;
            }
        }
        for (raw, f, cond) in entries {
            let (target, alias) = match raw.split_once(':') {
                Some((t, a)) if links => (t.to_string(), Some(a.to_string())),
                _ => (raw.clone(), None),
            };
            if target == service {
                self.d.warn(f, "a service cannot depend on itself; ignored");
                continue;
            }
            let Some(name) = self.names.get(&target).cloned() else {
                self.d
                    .warn(f, format!("no service named `{target}`; ignored"));
                continue;
            };
            if let Some(alias) = alias.filter(|a| *a != target) {
                self.d.warn(
                    &f,
                    format!("the alias `{alias}` is not carried over; reach the component at `${{components.{name}.host}}`"),
                );
            }
            if let Some(cond) = cond {
                for (k, val) in cond {
                    let k = key_text(k);
                    let text = scalar(val).unwrap_or_default();
                    match (k.as_str(), text.as_str()) {
                        ("condition", "service_started" | "service_healthy") => {}
                        ("condition", "service_completed_successfully") => self.d.warn(
                            format!("{f}.condition"),
                            format!("souk has no run-to-completion components: this one starts once `{name}` is ready, not after it has finished"),
                        ),
                        ("required", "true") => {}
                        ("required", _) => self.d.warn(
                            format!("{f}.required"),
                            format!("souk always installs `{name}`: an optional dependency becomes a required one"),
                        ),
                        ("restart", "false") => {}
                        (other, _) => self.d.warn(
                            format!("{f}.{other}"),
                            format!("`{other}: {text}` has no equivalent in souk's `dependsOn`; ignored"),
                        ),
                    }
                }
            }
            if !comp.depends_on.contains(&name) {
                comp.depends_on.push(name);
            }
        }
    }

    fn healthcheck(&mut self, v: &Value, field: &str, comp: &mut Component) {
        let Some(m) = v.as_mapping() else {
            self.d.warn(field, "expected a mapping; ignored");
            return;
        };
        if m.get("disable").and_then(Value::as_bool) == Some(true) {
            self.d.warn(
                field,
                "the healthcheck is turned off; there is nothing to carry over",
            );
            return;
        }
        let test_field = format!("{field}.test");
        let command: Vec<String> = match m.get("test") {
            None => {
                self.d.warn(
                    field,
                    "no `test`: the image's own healthcheck is not known to souk; not carried over",
                );
                return;
            }
            Some(Value::Sequence(list)) => {
                let words: Vec<String> = list
                    .iter()
                    .map(|w| {
                        let s = scalar(w).unwrap_or_default();
                        self.literal(&s, &test_field)
                    })
                    .collect();
                match words.split_first() {
                    Some((first, rest)) if first == "CMD" => rest.to_vec(),
                    Some((first, rest)) if first == "CMD-SHELL" => {
                        vec!["sh".into(), "-c".into(), rest.join(" ")]
                    }
                    Some((first, _)) if first == "NONE" => {
                        self.d.warn(
                            field,
                            "the healthcheck is turned off; there is nothing to carry over",
                        );
                        return;
                    }
                    _ => {
                        self.d.warn(
                            test_field,
                            "expected `[CMD, …]`, `[CMD-SHELL, …]` or `[NONE]`; the healthcheck is not carried over",
                        );
                        return;
                    }
                }
            }
            Some(other) => {
                let s = scalar(other).unwrap_or_default();
                vec!["sh".into(), "-c".into(), self.literal(&s, &test_field)]
            }
        };
        if command.iter().all(|w| w.trim().is_empty()) {
            self.d.warn(
                test_field,
                "an empty test; the healthcheck is not carried over",
            );
            return;
        }
        let mut probe = Probe {
            http: None,
            tcp: None,
            exec: Some(ExecProbe { command }),
            initial_delay_seconds: None,
            period_seconds: None,
            timeout_seconds: None,
            failure_threshold: None,
            success_threshold: None,
        };
        for (k, val) in m {
            let k = key_text(k);
            let f = format!("{field}.{k}");
            match k.as_str() {
                "test" | "disable" => {}
                "interval" => probe.period_seconds = self.duration(val, &f),
                "timeout" => probe.timeout_seconds = self.duration(val, &f),
                "start_period" => probe.initial_delay_seconds = self.duration(val, &f),
                "retries" => match val.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(0) => {}
                    Some(n) => probe.failure_threshold = Some(n),
                    None => self.d.warn(f, "expected a number; ignored"),
                },
                "start_interval" => self.d.warn(
                    f,
                    "souk probes at one interval; the interval during the start period is not carried over",
                ),
                other => self.d.warn(
                    f,
                    format!("`{other}` has no equivalent in a souk probe; ignored"),
                ),
            }
        }
        comp.probes.readiness = Some(probe);
    }

    /// A Compose duration (`10s`, `1m30s`, `500ms`) in whole seconds, at least 1.
    fn duration(&mut self, v: &Value, field: &str) -> Option<u32> {
        let text = scalar(v).unwrap_or_default();
        match parse_duration(&text) {
            Some(secs) => Some(secs.ceil().max(1.0) as u32),
            None => {
                self.d.warn(
                    field,
                    format!("`{text}` is not a duration (like `10s` or `1m30s`); ignored"),
                );
                None
            }
        }
    }

    /// `command` or `entrypoint` as words: a string is split as a shell would.
    fn words(&mut self, v: &Value, field: &str) -> Option<Vec<String>> {
        let raw: Vec<String> = match v {
            Value::Null => return None,
            Value::Sequence(list) => list.iter().map(|w| scalar(w).unwrap_or_default()).collect(),
            other => {
                let s = scalar(other).unwrap_or_default();
                match shell::split(&s) {
                    Ok(words) => words,
                    Err(e) => {
                        self.d.warn(field, format!("{e}; split at spaces"));
                        s.split_whitespace().map(str::to_string).collect()
                    }
                }
            }
        };
        if raw.is_empty() {
            self.d.warn(
                field,
                "an empty list clears the image's own in Compose; souk cannot write that, the image's is kept",
            );
            return None;
        }
        Some(raw.iter().map(|w| self.souk(w, field)).collect())
    }

    fn deploy(&mut self, v: &Value, field: &str, comp: &mut Component) {
        let Some(m) = v.as_mapping() else {
            self.d.warn(field, "expected a mapping; ignored");
            return;
        };
        for (k, val) in m {
            let k = key_text(k);
            let f = format!("{field}.{k}");
            match k.as_str() {
                "replicas" => match val.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => comp.replicas = n,
                    None => self.d.warn(f, "expected a number of replicas; ignored"),
                },
                "mode" if scalar(val).as_deref() == Some("replicated") => {}
                "mode" => self.d.warn(
                    f,
                    "souk runs a component's replicas on the site; a global (one per node) mode is not carried over",
                ),
                "resources" => self.resources(val, &f, comp),
                "restart_policy" => self.d.warn(f, "souk's agent restarts failed components itself; the restart policy is not carried over"),
                "labels" => self.d.warn(f, "service labels are not part of a souk template"),
                "placement" => self.d.warn(f, "placement constraints are not carried over: the site decides where components run"),
                "update_config" | "rollback_config" => self.d.warn(f, "souk's agent upgrades and rolls back component by component itself; not carried over"),
                other => self.d.warn(f, format!("`deploy.{other}` has no equivalent in a souk template; ignored")),
            }
        }
    }

    fn resources(&mut self, v: &Value, field: &str, comp: &mut Component) {
        let Some(m) = v.as_mapping() else {
            self.d.warn(field, "expected a mapping; ignored");
            return;
        };
        let mut res = comp.resources.clone().unwrap_or_default();
        for (k, val) in m {
            let k = key_text(k);
            let f = format!("{field}.{k}");
            let Some(inner) = val.as_mapping() else {
                self.d.warn(f, "expected a mapping; ignored");
                continue;
            };
            for (ik, iv) in inner {
                let ik = key_text(ik);
                let ff = format!("{f}.{ik}");
                match (k.as_str(), ik.as_str()) {
                    ("limits", "cpus") => res.cpu = self.cpus(iv, &ff),
                    ("limits", "memory") => res.memory = self.memory(iv, &ff),
                    ("reservations", "devices") => res.gpu = self.gpus(iv, &ff).or(res.gpu),
                    ("reservations", "cpus" | "memory") => self.d.warn(
                        ff,
                        "souk's `resources` are limits; a reservation is not carried over",
                    ),
                    (_, other) => self.d.warn(
                        ff,
                        format!("`{other}` has no equivalent in souk's `resources`; ignored"),
                    ),
                }
            }
        }
        comp.resources = (res != Resources::default()).then_some(res);
    }

    /// `mem_limit` and `cpus` of the version 2 format, unless `deploy` set them.
    fn legacy_resources(
        &mut self,
        (mem, cpus): (Option<&Value>, Option<&Value>),
        at: &str,
        comp: &mut Component,
    ) {
        let mut res = comp.resources.clone().unwrap_or_default();
        if let Some(v) = mem {
            let m = self.memory(v, &format!("{at}.mem_limit"));
            res.memory = res.memory.or(m);
        }
        if let Some(v) = cpus {
            let c = self.cpus(v, &format!("{at}.cpus"));
            res.cpu = res.cpu.or(c);
        }
        comp.resources = (res != Resources::default()).then_some(res);
    }

    fn cpus(&mut self, v: &Value, field: &str) -> Option<Quantity> {
        let text = scalar(v).unwrap_or_default();
        match text.trim().parse::<f64>() {
            Ok(c) if c > 0.0 && c.is_finite() => Some(Quantity(format!(
                "{}m",
                ((c * 1000.0).round() as u64).max(1)
            ))),
            _ => {
                self.d
                    .warn(field, format!("`{text}` is not a number of CPUs; ignored"));
                None
            }
        }
    }

    fn memory(&mut self, v: &Value, field: &str) -> Option<Quantity> {
        let text = scalar(v).unwrap_or_default();
        match parse_bytes(&text) {
            Some(b) if b > 0 => Some(binary_quantity(b)),
            _ => {
                self.d.warn(
                    field,
                    format!("`{text}` is not an amount of memory (like `512M` or `1.5G`); ignored"),
                );
                None
            }
        }
    }

    fn gpus(&mut self, v: &Value, field: &str) -> Option<u32> {
        let mut gpus = None;
        for (i, d) in v.as_sequence().into_iter().flatten().enumerate() {
            let f = format!("{field}[{i}]");
            let is_gpu = d
                .get("capabilities")
                .and_then(Value::as_sequence)
                .is_some_and(|c| c.iter().any(|c| c.as_str() == Some("gpu")));
            if !is_gpu {
                self.d.warn(
                    f,
                    "only GPUs are carried over from device reservations; ignored",
                );
                continue;
            }
            let count = match d.get("count") {
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                Some(Value::String(s)) if s.trim().parse::<u32>().is_ok() => s.trim().parse().ok(),
                Some(Value::String(s)) if s == "all" => {
                    self.d
                        .warn(&f, "`count: all` becomes one GPU: souk counts GPUs");
                    Some(1)
                }
                None if d.get("device_ids").is_some() => {
                    self.d.warn(
                        &f,
                        "device ids are chosen by the site; the number of ids listed is used",
                    );
                    d.get("device_ids")
                        .and_then(Value::as_sequence)
                        .and_then(|l| u32::try_from(l.len()).ok())
                }
                _ => Some(1),
            };
            gpus = Some(gpus.unwrap_or(0) + count.unwrap_or(1));
        }
        gpus
    }

    /// A service's `secrets`: each a config file whose content is a secret
    /// parameter, so that no secret is ever copied into the package.
    fn secrets(&mut self, v: &Value, field: &str, comp: &mut Component) {
        for (source, target, f) in self.grants(v, field) {
            let param = self.secret_param(&source);
            let file = self.d.add_file(
                &format!("files/secrets/{}", slug_or(&source, "secret")),
                format!("${{params.{param}}}").into_bytes(),
            );
            let path = match target {
                Some(t) if t.starts_with('/') => t,
                Some(t) => format!("/run/secrets/{t}"),
                None => format!("/run/secrets/{source}"),
            };
            self.mount_file(comp, path, file, &f);
        }
    }

    fn secret_param(&mut self, name: &str) -> String {
        if let Some(p) = self.secret_params.get(name) {
            return p.clone();
        }
        let declared = self
            .top
            .get("secrets")
            .and_then(|s| s.get(name))
            .and_then(Value::as_mapping);
        let field = format!("secrets.{name}");
        let from = match declared {
            None => "it is not declared under `secrets`".to_string(),
            Some(m) => {
                if let Some(file) = m.get("file").and_then(scalar) {
                    format!("its file `{file}` is not copied into the package")
                } else if let Some(var) = m.get("environment").and_then(scalar) {
                    format!("Compose read it from `{var}`")
                } else if m.get("external").is_some() {
                    "it was created outside Compose".to_string()
                } else {
                    "it has no `file` or `environment`".to_string()
                }
            }
        };
        let param = self.d.add_param(Parameter {
            name: param_name(name),
            title: Some(name.to_string()),
            description: Some(format!("the secret `{name}` of the Compose file")),
            kind: ParamType::Secret,
            default: None,
            required: true,
            pattern: None,
            min: None,
            max: None,
            options: vec![],
        });
        self.d.warn(
            field,
            format!("{from}: the secret is asked at install as the secret parameter `{param}` and mounted as a file"),
        );
        self.secret_params.insert(name.to_string(), param.clone());
        param
    }

    /// A service's `configs`: files of the project, or inline content.
    fn configs(&mut self, v: &Value, field: &str, comp: &mut Component) {
        for (source, target, f) in self.grants(v, field) {
            let declared = self
                .top
                .get("configs")
                .and_then(|s| s.get(source.as_str()))
                .and_then(Value::as_mapping)
                .cloned();
            let top_field = format!("configs.{source}");
            let Some(decl) = declared else {
                self.d.warn(
                    f,
                    format!(
                        "the config `{source}` is not declared under `configs`; not carried over"
                    ),
                );
                continue;
            };
            let file = if let Some(path) = decl.get("file").and_then(scalar) {
                let path = self.literal(&path, &top_field);
                match self.project_file(&path, &top_field, true) {
                    Some((rel, bytes)) => self.package_file(&rel, bytes, &top_field),
                    None => continue,
                }
            } else if let Some(content) = decl.get("content").and_then(scalar) {
                let content = self.souk(&content, &format!("{top_field}.content"));
                self.d.add_file(
                    &format!("files/configs/{}", slug_or(&source, "config")),
                    content.into_bytes(),
                )
            } else if let Some(var) = decl.get("environment").and_then(scalar) {
                let param = self.var_param(&var, None, None, &top_field);
                self.d.add_file(
                    &format!("files/configs/{}", slug_or(&source, "config")),
                    format!("${{params.{param}}}").into_bytes(),
                )
            } else {
                self.d.warn(
                    top_field,
                    "an external config (or one without `file`, `content` or `environment`) is not carried over",
                );
                continue;
            };
            let path = match target {
                Some(t) if t.starts_with('/') => t,
                Some(t) => format!("/{t}"),
                None => format!("/{source}"),
            };
            self.mount_file(comp, path, file, &f);
        }
    }

    /// The `(source, target, field)` of a service's `secrets` or `configs`.
    fn grants(&mut self, v: &Value, field: &str) -> Vec<(String, Option<String>, String)> {
        let Some(list) = v.as_sequence() else {
            self.d.warn(field, "expected a list; ignored");
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let f = format!("{field}[{i}]");
            match item {
                Value::Mapping(m) => {
                    let Some(source) = m.get("source").and_then(scalar) else {
                        self.d.warn(f, "no `source`; ignored");
                        continue;
                    };
                    for (k, _) in m {
                        let k = key_text(k);
                        if matches!(k.as_str(), "uid" | "gid" | "mode") {
                            self.d.warn(
                                format!("{f}.{k}"),
                                format!("souk mounts config files with its own owner and mode; `{k}` is not carried over"),
                            );
                        }
                    }
                    out.push((source, m.get("target").and_then(scalar), f));
                }
                other => match scalar(other) {
                    Some(s) => out.push((s, None, f)),
                    None => self.d.warn(f, "expected a name; ignored"),
                },
            }
        }
        out
    }

    fn mount_file(&mut self, comp: &mut Component, path: String, source: String, field: &str) {
        if path.split('/').any(|s| s == "..") {
            self.d.warn(
                field,
                format!("`{path}` is not an absolute path in the container; ignored"),
            );
            return;
        }
        if comp.volumes.iter().any(|v| v.path == path)
            || comp.config_files.iter().any(|f| f.path == path)
        {
            self.d
                .warn(field, format!("`{path}` is already mounted; ignored"));
            return;
        }
        comp.config_files.push(ConfigFile { path, source });
    }

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

    fn top_volumes(&mut self, v: &Value) {
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

/// Why a service key is not carried over.
fn ignored_service_key(key: &str) -> String {
    match key {
        "container_name" | "hostname" | "domainname" => format!(
            "souk names containers itself, so `{key}` is not carried over; other components reach this one at `${{components.NAME.host}}`"
        ),
        "restart" => {
            "souk's agent restarts failed components itself; the restart policy is not carried over".into()
        }
        "networks" | "network_mode" => {
            "all of a template's components share one network in souk; reach others at `${components.NAME.host}`".into()
        }
        "labels" => "container labels are not part of a souk template".into(),
        "logging" => "logging is set up by the site, not by the template".into(),
        "profiles" => "souk has no profiles: the component is always installed".into(),
        "platform" => "the site's platform decides which variant of the image runs".into(),
        "runtime" | "isolation" => {
            format!("components run with the site's container runtime; `{key}` is not carried over")
        }
        "extends" => {
            "the service it extends is not merged in; copy what it inherits into this service".into()
        }
        "volumes_from" => "souk components do not share volumes".into(),
        "user" | "working_dir" => format!("the image's own `{key}` is used; souk does not override it"),
        "stdin_open" | "tty" | "attach" => {
            "souk components run without a terminal attached".into()
        }
        "cap_add" | "cap_drop" | "privileged" | "security_opt" | "devices" | "userns_mode"
        | "sysctls" | "ulimits" | "pid" | "ipc" | "cgroup" | "cgroup_parent"
        | "device_cgroup_rules" | "use_api_socket" => format!(
            "`{key}` gives the container special rights on the host, which souk does not grant"
        ),
        k if k.starts_with("x-") => "an extension field; Compose ignores it and so does souk".into(),
        _ => format!("`{key}` has no equivalent in a souk template; ignored"),
    }
}

/// Is a published port bound where the outside can reach it?
fn routable(host_ip: Option<&str>) -> bool {
    !matches!(
        host_ip,
        Some(ip) if ip.starts_with("127.") || ip == "::1" || ip == "localhost"
    )
}

/// Ports that are plain HTTP by convention. 443 and 8443 are not among them:
/// they speak TLS, which a TCP route passes through untouched.
fn clearly_http(port: u32) -> bool {
    matches!(port, 80 | 3000 | 4200 | 8000 | 8008 | 8080 | 8888)
}

/// Does a short-syntax mount source name a host path rather than a volume?
fn is_host_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.') || s.starts_with('~') || s.contains('/')
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s.parse::<i64>().is_ok()
}

/// The end of a `${…}` body (the index of its `}`), nested braces counted.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A Compose duration in seconds: `1h2m3s`, `1.5s`, `500ms`, or a bare number
/// of seconds.
fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return (n >= 0.0).then_some(n);
    }
    let mut total = 0.0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        total += num * scale;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// A Compose byte amount: `512M`, `1.5g`, `2048k`, `1gb`, `1024` (bytes).
fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let num_len = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let num: f64 = s[..num_len].parse().ok()?;
    let unit = s[num_len..].trim();
    let unit = unit.strip_suffix('b').unwrap_or(unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let scale = match unit {
        "" => 1u64,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    let bytes = num * scale as f64;
    (bytes.is_finite() && bytes >= 0.0).then(|| bytes.ceil() as u64)
}

/// The variables of an env file: `(name, value, single-quoted)`; a value of
/// `None` means "taken from the environment" (a line with no `=`).
fn parse_env_file(text: &str) -> Vec<(String, Option<String>, bool)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, raw)) = line.split_once('=') else {
            out.push((line.to_string(), None, false));
            continue;
        };
        let key = key.trim().to_string();
        let raw = raw.trim_start();
        let (value, literal) = if let Some(q) = raw.strip_prefix('\'') {
            (q.split_once('\'').map_or(q, |(v, _)| v).to_string(), true)
        } else if let Some(q) = raw.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => v.push('\n'),
                        Some('t') => v.push('\t'),
                        Some(c) => v.push(c),
                        None => {}
                    },
                    c => v.push(c),
                }
            }
            (v, false)
        } else {
            let v = match raw.find(" #") {
                Some(i) => &raw[..i],
                None => raw,
            };
            (v.trim_end().to_string(), false)
        };
        out.push((key, Some(value), literal));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, want) in [
            ("10s", Some(10.0)),
            ("1m30s", Some(90.0)),
            ("1h", Some(3600.0)),
            ("500ms", Some(0.5)),
            ("1.5s", Some(1.5)),
            ("30", Some(30.0)),
            ("", None),
            ("10x", None),
            ("s", None),
        ] {
            assert_eq!(parse_duration(s), want, "{s}");
        }
    }

    #[test]
    fn byte_amounts() {
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("1.5G"), Some(1536 << 20));
        assert_eq!(parse_bytes("2048k"), Some(2 << 20));
        assert_eq!(parse_bytes("1gb"), Some(1 << 30));
        assert_eq!(parse_bytes("1024"), Some(1024));
        assert_eq!(parse_bytes("lots"), None);
    }

    #[test]
    fn env_files() {
        let parsed = parse_env_file(
            "# comment\nA=1\nexport B = two words # note\nC='${lit}'\nD=\"x\\ny\"\nE\n\n",
        );
        let want = [
            ("A", Some("1"), false),
            ("B", Some("two words"), false),
            ("C", Some("${lit}"), true),
            ("D", Some("x\ny"), false),
            ("E", None, false),
        ];
        assert_eq!(parsed.len(), want.len());
        for ((k, v, l), (wk, wv, wl)) in parsed.iter().zip(want) {
            assert_eq!((k.as_str(), v.as_deref(), *l), (wk, wv, wl));
        }
    }

    #[test]
    fn integers() {
        assert!(is_integer("0") && is_integer("42") && is_integer("-7"));
        assert!(!is_integer("007") && !is_integer("1.5") && !is_integer("") && !is_integer("-"));
    }
}
