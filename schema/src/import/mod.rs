//! Importers: a souk template from another format ([`rainbond`] application
//! templates, Docker [`compose`] files), with a [`Warning`] for everything that
//! could not be carried over.
//!
//! Both importers fill the same `Draft` (`draft.rs`), which owns the fix-ups every source
//! needs: valid and unique names, environment variable names, parameters (secret
//! ones included), command lines split as a shell would, `${` kept literal,
//! generated HTTP hosts, gateway ports, package files and dependency cycles; the
//! free functions below shape names, ports, volumes and quantities. `Draft::finish`
//! writes `souk.yaml` with serde and runs it through
//! [`parse_and_validate`](crate::validate::parse_and_validate) with its files, so
//! an import either yields a template that lints clean or fails as a bug in the
//! importer ([`ImportError::Bug`]); it never hands the user an invalid template.

pub mod compose;
mod draft;
pub mod rainbond;
mod shell;

use crate::manifest::{
    Component, ParamType, Parameter, Port, PortRef, Protocol, Quantity, Volume, MANIFEST_FILE,
};
use crate::names::{is_component_like, is_param_name, is_segment, Namespace};
use crate::validate::{is_package_path, Files};
use crate::{Error, Problems};
use draft::Draft;
use std::collections::{BTreeMap, BTreeSet};
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

/// A CPU quantity in millicores.
fn millicores(m: u64) -> Quantity {
    Quantity(format!("{m}m"))
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

/// The label of a port for [`name_ports`]: the first of `candidates` whose slug
/// starts with a letter, else its protocol.
fn port_label<'a>(candidates: impl IntoIterator<Item = &'a str>, protocol: Protocol) -> String {
    candidates
        .into_iter()
        .map(slug)
        .find(|s| s.starts_with(|c: char| c.is_ascii_lowercase()))
        .unwrap_or_else(|| protocol.as_str().to_string())
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

/// A required parameter without a default or bounds.
fn new_param(name: String, kind: ParamType, title: &str, description: String) -> Parameter {
    Parameter {
        name,
        title: Some(title.to_string()),
        description: Some(description),
        kind,
        default: None,
        required: true,
        pattern: None,
        min: None,
        max: None,
        options: vec![],
    }
}

/// Add a volume at `path` to `comp`, named after `raw` (or `data`) and unique
/// among its volumes.
fn add_volume(comp: &mut Component, raw: &str, path: String, size: Option<Quantity>) {
    let taken: BTreeSet<&str> = comp.volumes.iter().map(|v| v.name.as_str()).collect();
    let name = component_like(raw, "data", &taken);
    comp.volumes.push(Volume { name, path, size });
}

/// Is `path` an absolute path in a container, without `..`?
fn is_container_path(path: &str) -> bool {
    path.starts_with('/') && !path.split('/').any(|s| s == "..")
}

/// `n` as a port number, when it is one (1 to 65535).
fn port_number(n: i64) -> Option<u32> {
    u32::try_from(n).ok().filter(|n| (1..=65535).contains(n))
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
    fn ports_and_paths() {
        for (n, want) in [
            (80, Some(80)),
            (65535, Some(65535)),
            (0, None),
            (65536, None),
            (-1, None),
        ] {
            assert_eq!(port_number(n), want, "{n}");
        }
        assert_eq!(port_label(["", "My Web"], Protocol::Http), "my-web");
        assert_eq!(port_label(["9", "udp"], Protocol::Udp), "udp");
        assert_eq!(port_label(None, Protocol::Tcp), "tcp");
        assert!(is_container_path("/var/data"));
        assert!(!is_container_path("data") && !is_container_path("/a/../b"));
    }

    #[test]
    fn escaping() {
        let s = "a ${b} $${c} $d";
        let escaped = escape(s);
        let back = crate::interpolate::expand(&escaped, |_| Err("no reference".into())).unwrap();
        assert_eq!(back, s);
    }
}
