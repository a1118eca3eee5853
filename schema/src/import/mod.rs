//! Importers: a souk template from another format ([`rainbond`] application
//! templates, Docker [`compose`] files), with a [`Warning`] for everything that
//! could not be carried over.
//!
//! Both importers fill the same [`Draft`], which owns the fix-ups every source
//! needs: valid and unique names, environment variable names, parameters,
//! generated HTTP hosts, package files and dependency cycles. [`Draft::finish`]
//! writes `souk.yaml` with serde and runs it through
//! [`parse_and_validate`](crate::validate::parse_and_validate) with its files, so
//! an import either yields a template that lints clean or fails as a bug in the
//! importer ([`ImportError::Bug`]); it never hands the user an invalid template.

pub mod compose;
pub mod rainbond;
mod shell;

use crate::categories::DEFAULT_CATEGORIES;
use crate::manifest::{
    Component, Ingress, Manifest, ParamType, Parameter, Port, PortRef, Protocol, Quantity,
    API_VERSION, KIND, MANIFEST_FILE,
};
use crate::names::{is_component_like, is_param_name, is_segment, Namespace};
use crate::validate::{is_package_path, parse_and_validate, Files};
use crate::{Error, Problems};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// A template made from another format: its package files and what was lost.
#[derive(Debug, Clone)]
pub struct Imported {
    /// `souk.yaml` and the files it references (config files under `files/`).
    pub files: Files,
    /// One entry for each thing that could not be carried over as it was.
    pub warnings: Vec<Warning>,
}

/// Something in the source that was dropped or changed on the way in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Where in the *source* file, such as `services.web.build` or `apps[0].probes[0]`;
    /// empty for the file as a whole.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.field, self.reason)
        }
    }
}

/// Why a file could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not valid JSON: {message} (line {line}, column {column})")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not valid YAML: {message}{}", location(*.line, *.column))]
    Yaml {
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// Well-formed, but not the kind of file the importer reads.
    #[error("not a {expected}: {reason}")]
    WrongKind {
        expected: &'static str,
        reason: String,
    },
    /// A part of the source that cannot be read or converted.
    #[error("`{field}`: {message}")]
    Invalid { field: String, message: String },
    #[error("invalid {option}: {message}")]
    InvalidOption {
        option: &'static str,
        message: String,
    },
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The importer produced a template that does not validate.
    #[error("the imported template is invalid, which is a bug in souk's importer; please report it with the source file:\n{0}")]
    Bug(Problems),
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

impl Imported {
    /// The `souk.yaml` written by the import.
    pub fn manifest_text(&self) -> &str {
        std::str::from_utf8(&self.files[MANIFEST_FILE]).expect("the manifest is written as UTF-8")
    }

    /// Write the template folder: `souk.yaml` and its files, creating `dir` and
    /// sub-folders as needed and replacing files of the same names.
    pub fn write_to(&self, dir: &Path) -> Result<(), Error> {
        for (rel, bytes) in &self.files {
            if !is_package_path(rel) {
                return Err(Error::UnsafePackage(format!(
                    "`{rel}` is not a relative path inside the template folder"
                )));
            }
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}

/// The namespace of an imported template: the option, or `imported`.
fn namespace(option: Option<&str>) -> Result<String, ImportError> {
    Namespace::parse(option.unwrap_or("imported"))
        .map(|ns| ns.to_string())
        .map_err(|message| ImportError::InvalidOption {
            option: "namespace",
            message,
        })
}

/// A template being built from a source, with its files and warnings.
pub(crate) struct Draft {
    pub m: Manifest,
    pub files: Files,
    pub warnings: Vec<Warning>,
    /// The `domain` parameter that generated HTTP hosts hang under, once needed.
    domain_param: Option<String>,
}

impl Draft {
    fn new(name: String, version: String, title: &str, summary: &str) -> Draft {
        Draft {
            m: Manifest {
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                name,
                version,
                title: clip(title, 120),
                summary: clip(summary, 500),
                category: "other".into(),
                tags: vec![],
                license: None,
                homepage: None,
                source: None,
                maintainers: vec![],
                icon: None,
                readme: None,
                changelog: None,
                requires: None,
                upgrade: None,
                parameters: vec![],
                config_groups: vec![],
                plugins: vec![],
                components: vec![],
                ingress: Ingress::default(),
                migrations: vec![],
            },
            files: Files::new(),
            warnings: vec![],
            domain_param: None,
        }
    }

    fn warn(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(Warning {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Put a file in the package at `wanted` (or a free name beside it) and
    /// return its path. The same bytes at the same path are stored once.
    fn add_file(&mut self, wanted: &str, bytes: Vec<u8>) -> String {
        let (stem, ext) = match wanted.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() && !e.contains('/') => (s, format!(".{e}")),
            _ => (wanted, String::new()),
        };
        let mut path = wanted.to_string();
        let mut n = 1;
        loop {
            match self.files.get(&path) {
                None => break,
                Some(b) if *b == bytes => return path,
                Some(_) => {
                    n += 1;
                    path = format!("{stem}-{n}{ext}");
                }
            }
        }
        self.files.insert(path.clone(), bytes);
        path
    }

    /// Add a parameter under its name, or a free one beside it; return the name.
    fn add_param(&mut self, mut p: Parameter) -> String {
        let taken: BTreeSet<&str> = self.m.parameters.iter().map(|p| p.name.as_str()).collect();
        p.name = unique(&p.name, &taken, '_', 64);
        let name = p.name.clone();
        self.m.parameters.push(p);
        name
    }

    fn has_param(&self, name: &str) -> bool {
        self.m.parameters.iter().any(|p| p.name == name)
    }

    /// A valid environment variable name for `raw`, warning when it had to change.
    fn env_name(&mut self, raw: &str, field: &str) -> String {
        let mut name: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            name.insert(0, '_');
        }
        if name != raw {
            self.warn(
                field,
                format!("`{raw}` is not a valid environment variable name; renamed to `{name}`"),
            );
        }
        name
    }

    /// An HTTP host for a generated route: `LABEL.${params.domain}`, where the
    /// `domain` parameter (added on first use) is the site's base domain.
    fn generated_host(&mut self, label: &str) -> String {
        let param = match &self.domain_param {
            Some(p) => p.clone(),
            None => {
                let p = self.add_param(Parameter {
                    name: "domain".into(),
                    title: Some("Base domain".into()),
                    description: Some(
                        "HTTP entries are served at sub-domains of it (COMPONENT.DOMAIN)".into(),
                    ),
                    kind: ParamType::String,
                    default: None,
                    required: true,
                    pattern: Some("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$".into()),
                    min: None,
                    max: None,
                    options: vec![],
                });
                self.domain_param = Some(p.clone());
                p
            }
        };
        format!("{label}.${{params.{param}}}")
    }

    /// A gateway port for a stream route: `wanted`, or the next one free for
    /// its transport.
    fn free_stream_port(&self, wanted: u32, protocol: Protocol) -> u32 {
        let udp = protocol == Protocol::Udp;
        let used = |p: u32| {
            self.m
                .ingress
                .stream
                .iter()
                .any(|r| r.port == p && (r.protocol == Some(Protocol::Udp)) == udp)
        };
        let mut port = wanted.clamp(1, 65535);
        while used(port) {
            port = if port >= 65535 { 1024 } else { port + 1 };
        }
        port
    }

    /// Drop the dependency edges that close a cycle (the format forbids cycles),
    /// warning at `source_field(component)`.
    fn break_cycles(&mut self, source_field: &dyn Fn(&str) -> String) {
        let n = self.m.components.len();
        let index: HashMap<String, usize> = self
            .m
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
        let mut dropped = Vec::new();
        fn visit(
            at: usize,
            comps: &[Component],
            index: &HashMap<String, usize>,
            state: &mut [u8],
            dropped: &mut Vec<(usize, String)>,
        ) {
            state[at] = 1;
            for d in &comps[at].depends_on {
                let Some(&next) = index.get(d) else { continue };
                match state[next] {
                    0 => visit(next, comps, index, state, dropped),
                    1 => dropped.push((at, d.clone())),
                    _ => {}
                }
            }
            state[at] = 2;
        }
        for start in 0..n {
            if state[start] == 0 {
                visit(start, &self.m.components, &index, &mut state, &mut dropped);
            }
        }
        for (at, dep) in dropped {
            let name = self.m.components[at].name.clone();
            self.m.components[at].depends_on.retain(|d| *d != dep);
            self.warn(
                source_field(&name),
                format!("the dependency of `{name}` on `{dep}` closes a cycle, which souk does not allow; dropped"),
            );
        }
    }

    /// Write `souk.yaml`, under a comment saying where it came from (`souk
    /// import COMMAND` of `source`), and check the result.
    fn finish(mut self, command: &str, source: &str) -> Result<Imported, ImportError> {
        let slugs: Vec<&str> = DEFAULT_CATEGORIES.iter().map(|c| c.slug).collect();
        self.warn(
            "",
            format!(
                "the source has no market category; set to `{}`: choose one of {}",
                self.m.category,
                slugs.join(", ")
            ),
        );
        let yaml = serde_yaml_ng::to_string(&self.m).expect("a manifest always serialises");
        let source = source.replace(['\n', '\r'], " ");
        let text = format!(
            "# Imported by `souk import {command}` from {source}.\n# Read the import's warnings: each names what could not be carried over.\n{yaml}"
        );
        if let Err(problems) = parse_and_validate(&text, Some(&self.files)) {
            return Err(ImportError::Bug(problems));
        }
        self.files.insert(MANIFEST_FILE.into(), text.into_bytes());
        Ok(Imported {
            files: self.files,
            warnings: self.warnings,
        })
    }
}

/// `s` cut to at most `max` characters (with `…` when cut), on one line.
fn clip(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut out: String = one_line.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Lowercase ASCII letters and digits of `s`, runs of anything else as one `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The name part of a template name (`[a-z0-9][a-z0-9-]{0,62}`) made from `raw`,
/// when it has ASCII letters or digits.
fn short_name(raw: &str) -> Option<String> {
    let mut s = slug(raw);
    s.truncate(63);
    let s = s.trim_end_matches('-').to_string();
    is_segment(&s).then_some(s)
}

/// A component-like name (`[a-z][a-z0-9-]{0,62}`) made from `raw`, or from
/// `fallback` when `raw` has no usable letters, not in `taken`.
fn component_like(raw: &str, fallback: &str, taken: &BTreeSet<&str>) -> String {
    let mut base = slug(raw);
    if base.is_empty() {
        base = slug(fallback);
    }
    let letter_first = |s: &str| s.starts_with(|c: char| c.is_ascii_lowercase());
    if base.is_empty() {
        base = "x".into();
    } else if !letter_first(&base) {
        let fb = slug(fallback);
        let prefix = match fb.split('-').next() {
            Some(p) if letter_first(p) => p.to_string(),
            _ => "x".into(),
        };
        base = format!("{prefix}-{base}");
    }
    let name = unique(&base, taken, '-', 63);
    debug_assert!(is_component_like(&name), "{name}");
    name
}

/// A parameter name (`[a-z][a-z0-9_]*`) made from `raw`.
fn param_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "p_");
    }
    name.truncate(64);
    debug_assert!(is_param_name(&name), "{name}");
    name
}

/// `base`, or `base{sep}2`, `base{sep}3`…, the first not in `taken`, at most `max` long.
fn unique(base: &str, taken: &BTreeSet<&str>, sep: char, max: usize) -> String {
    let cut = |s: &str, n: usize| -> String {
        s.chars()
            .take(n)
            .collect::<String>()
            .trim_end_matches(sep)
            .to_string()
    };
    let first = cut(base, max);
    if !taken.contains(first.as_str()) {
        return first;
    }
    (2..)
        .map(|n| {
            let suffix = format!("{sep}{n}");
            format!("{}{suffix}", cut(base, max - suffix.len()))
        })
        .find(|c| !taken.contains(c.as_str()))
        .expect("some suffix is free")
}

/// `${` written so that souk's interpolation leaves it as it is.
fn escape(s: &str) -> String {
    s.replace("${", "$${")
}

/// A memory or size quantity in the largest binary unit that divides it.
fn binary_quantity(bytes: u64) -> Quantity {
    let kib = bytes.div_ceil(1024).max(1);
    Quantity(if kib % (1024 * 1024) == 0 {
        format!("{}Gi", kib / (1024 * 1024))
    } else if kib % 1024 == 0 {
        format!("{}Mi", kib / 1024)
    } else {
        format!("{kib}Ki")
    })
}

/// Does a variable with this name hold a credential?
fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN", "KEY"]
        .iter()
        .any(|w| upper.contains(w))
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|seg| matches!(seg, "PW" | "PASS" | "PASSWD"))
}

/// Name the ports of a component: by their label (protocol) when it is the only
/// port with that label, else `LABEL-NUMBER`.
fn name_ports(ports: Vec<(String, u32, Protocol)>) -> Vec<Port> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (label, _, _) in &ports {
        *count.entry(label.as_str()).or_default() += 1;
    }
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (label, number, protocol) in &ports {
        let wanted = if count[label.as_str()] == 1 {
            label.clone()
        } else {
            format!("{label}-{number}")
        };
        let name = {
            let t: BTreeSet<&str> = taken.iter().map(String::as_str).collect();
            component_like(&wanted, protocol.as_str(), &t)
        };
        taken.insert(name.clone());
        out.push(Port {
            name,
            port: *number,
            protocol: *protocol,
        });
    }
    out
}

/// A component with its name and image and nothing else set.
fn new_component(name: String, image: String) -> Component {
    Component {
        name,
        image,
        stateful: false,
        replicas: 1,
        resources: None,
        command: vec![],
        args: vec![],
        env: Default::default(),
        ports: vec![],
        volumes: vec![],
        config_files: vec![],
        probes: Default::default(),
        init: vec![],
        plugins: vec![],
        depends_on: vec![],
    }
}

/// A component's port by name when it declares that number, else by number.
fn port_ref(c: &Component, n: u32) -> PortRef {
    c.ports
        .iter()
        .filter(|p| p.port == n)
        .min_by_key(|p| p.protocol == Protocol::Udp)
        .map_or(PortRef::Number(n), |p| PortRef::Name(p.name.clone()))
}

/// A semantic version made from a loosely written one: `v1.4` → `1.4.0`.
fn semver_from(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    if let Ok(v) = semver::Version::parse(s) {
        return v.build.is_empty().then(|| v.to_string());
    }
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut nums: Vec<u64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    nums.resize(3, 0);
    let padded = match pre {
        Some(p) => format!("{}.{}.{}-{p}", nums[0], nums[1], nums[2]),
        None => format!("{}.{}.{}", nums[0], nums[1], nums[2]),
    };
    semver::Version::parse(&padded)
        .ok()
        .filter(|v| v.build.is_empty())
        .map(|v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let none = BTreeSet::new();
        assert_eq!(
            component_like("mariadb:latest", "app", &none),
            "mariadb-latest"
        );
        assert_eq!(component_like("数据库", "gr4c76b7", &none), "gr4c76b7");
        assert_eq!(component_like("1panel", "app", &none), "app-1panel");
        assert_eq!(component_like("9", "9", &none), "x-9");
        let taken = BTreeSet::from(["web", "web-2"]);
        assert_eq!(component_like("Web", "app", &taken), "web-3");
        assert_eq!(param_name("discovery.type"), "discovery_type");
        assert_eq!(param_name("1X"), "p_1x");
    }

    #[test]
    fn versions() {
        for (raw, want) in [
            ("1.0", Some("1.0.0")),
            ("v1.4.2", Some("1.4.2")),
            ("2", Some("2.0.0")),
            ("1.2.3-beta.1", Some("1.2.3-beta.1")),
            ("1.0-rc1", Some("1.0.0-rc1")),
            ("1.0.0+build", None),
            ("latest", None),
            ("", None),
        ] {
            assert_eq!(semver_from(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn quantities_and_secrets() {
        assert_eq!(binary_quantity(512 << 20).0, "512Mi");
        assert_eq!(binary_quantity(1536 << 20).0, "1536Mi");
        assert_eq!(binary_quantity(4 << 30).0, "4Gi");
        assert_eq!(binary_quantity(1000).0, "1Ki");
        assert!(is_secret_name("PIHOLE_PW"));
        assert!(is_secret_name("db_password"));
        assert!(is_secret_name("API_TOKEN"));
        assert!(!is_secret_name("PWD"));
        assert!(!is_secret_name("TIMEZONE"));
    }

    #[test]
    fn escaping() {
        let s = "a ${b} $${c} $d";
        let escaped = escape(s);
        let back = crate::interpolate::expand(&escaped, |_| Err("no reference".into())).unwrap();
        assert_eq!(back, s);
    }
}
