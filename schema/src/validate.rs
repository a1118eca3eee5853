//! Every rule of template format v1, checked at once: [`validate`] returns a
//! [`Template`] or the full list of [`Problems`], each with its field path.

use crate::graph::Graph;
use crate::interpolate::{self, Reference};
use crate::manifest::{
    Component, Manifest, ParamType, Parameter, PluginKind, PortRef, Probe, Quantity, API_VERSION,
    KIND,
};
use crate::names::{is_component_like, is_param_name, is_segment};
use crate::{Problems, TemplateName};
use regex::Regex;
use semver::{Version, VersionReq};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// The largest icon a package may carry.
pub const MAX_ICON_BYTES: usize = 256 * 1024;

/// The files of a package (relative path → bytes), as far as they are known.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A manifest known to be valid, with its identity parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    manifest: Manifest,
    name: TemplateName,
    version: Version,
    upgrade_from: Option<VersionReq>,
}

impl Template {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    pub fn name(&self) -> &TemplateName {
        &self.name
    }
    pub fn version(&self) -> &Version {
        &self.version
    }
    /// `upgrade.from`: installed versions that may upgrade straight to this one;
    /// `None` means any older version.
    pub fn upgrade_from(&self) -> Option<&VersionReq> {
        self.upgrade_from.as_ref()
    }
    pub fn into_manifest(self) -> Manifest {
        self.manifest
    }
}

/// Parse and validate a manifest's text in one step.
pub fn parse_and_validate(text: &str, files: Option<&Files>) -> Result<Template, Problems> {
    validate(crate::manifest::parse(text)?, files)
}

/// Check every rule of the format. With `files`, also check that referenced files
/// exist (and that `${…}` in config files is valid); without, only the manifest.
pub fn validate(manifest: Manifest, files: Option<&Files>) -> Result<Template, Problems> {
    let mut v = Validator {
        m: &manifest,
        p: Problems::default(),
    };
    v.run(files);
    if !v.p.is_empty() {
        return Err(v.p);
    }
    let name = TemplateName::parse(&manifest.name).expect("validated");
    let version = Version::parse(&manifest.version).expect("validated");
    let upgrade_from = manifest
        .upgrade
        .as_ref()
        .and_then(|u| u.from.as_deref())
        .map(|r| VersionReq::parse(r).expect("validated"));
    Ok(Template {
        manifest,
        name,
        version,
        upgrade_from,
    })
}

struct Validator<'a> {
    m: &'a Manifest,
    p: Problems,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

/// Is `s` a valid image reference (`[host[:port]/]path[:tag][@sha256:hex]`)?
pub fn is_image_reference(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$",
    )
    .is_match(s)
        && s.len() <= 255
}

/// CPU in millicores: `500m` → 500, `2` → 2000, `0.5` → 500.
pub fn cpu_millis(q: &Quantity) -> Option<u64> {
    let s = q.0.trim();
    if let Some(m) = s.strip_suffix('m') {
        return m.parse().ok();
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    if !re(&RE, r"^[0-9]+(\.[0-9]{1,3})?$").is_match(s) {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    Some((f * 1000.0).round() as u64)
}

/// Bytes of a memory or storage quantity: `512Mi`, `1Gi`, `1048576`.
pub fn bytes(q: &Quantity) -> Option<u64> {
    let s = q.0.trim();
    let (num, mult) = [
        ("Ki", 1u64 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
    ]
    .iter()
    .find_map(|(suf, m)| s.strip_suffix(suf).map(|n| (n, *m)))
    .unwrap_or((s, 1));
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// Is `p` a safe relative path inside a package (no `..`, not absolute, `/` separated)?
pub fn is_package_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains('\0')
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

fn is_tag(t: &str) -> bool {
    let mut chars = t.chars();
    !t.is_empty()
        && t.chars().count() <= 40
        && chars.all(|c| !c.is_whitespace() && !c.is_ascii_uppercase() && c != ',' && c != '/')
}

fn is_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > "https://".len()
        && !u.chars().any(char::is_whitespace)
}

impl<'a> Validator<'a> {
    fn run(&mut self, files: Option<&Files>) {
        let m = self.m;
        if m.api_version != API_VERSION {
            self.p.push(
                "apiVersion",
                format!("must be `{API_VERSION}`, found `{}`", m.api_version),
            );
        }
        if m.kind != KIND {
            self.p
                .push("kind", format!("must be `{KIND}`, found `{}`", m.kind));
        }
        if let Err(e) = TemplateName::parse(&m.name) {
            self.p.push("name", e);
        }
        match Version::parse(&m.version) {
            Ok(v) if !v.build.is_empty() => self.p.push(
                "version",
                format!("`{}` has build metadata (`+{}`), which is not allowed: versions must be comparable", m.version, v.build),
            ),
            Ok(_) => {}
            Err(e) => self.p.push(
                "version",
                format!("`{}` is not a semantic version (like `1.2.0`): {e}", m.version),
            ),
        }
        self.text("title", &m.title, 120);
        self.text("summary", &m.summary, 500);
        if !is_segment(&m.category) {
            self.p.push(
                "category",
                format!(
                    "`{}` is not a category slug (lowercase letters, digits and `-`)",
                    m.category
                ),
            );
        }
        if m.tags.len() > 20 {
            self.p.push("tags", "at most 20 tags");
        }
        let mut seen_tags = BTreeSet::new();
        for (i, t) in m.tags.iter().enumerate() {
            if !is_tag(t) {
                self.p.push(
                    format!("tags[{i}]"),
                    format!("`{t}` is not a tag: lowercase, no spaces, commas or `/`, at most 40 characters"),
                );
            } else if !seen_tags.insert(t) {
                self.p
                    .push(format!("tags[{i}]"), format!("duplicate tag `{t}`"));
            }
        }
        if let Some(l) = &m.license {
            static RE: OnceLock<Regex> = OnceLock::new();
            if !re(&RE, r"^[A-Za-z0-9.+\-() ]+$").is_match(l) || l.trim().is_empty() {
                self.p.push(
                    "license",
                    format!("`{l}` is not an SPDX license expression (like `Apache-2.0` or `MIT OR Apache-2.0`)"),
                );
            }
        }
        for (field, url) in [("homepage", &m.homepage), ("source", &m.source)] {
            if let Some(u) = url {
                if !is_url(u) {
                    self.p.push(field, format!("`{u}` is not an http(s) URL"));
                }
            }
        }
        for (i, mt) in m.maintainers.iter().enumerate() {
            if mt.name.trim().is_empty() {
                self.p
                    .push(format!("maintainers[{i}].name"), "must not be empty");
            }
            if let Some(e) = &mt.email {
                if !e.contains('@') || e.contains(char::is_whitespace) {
                    self.p.push(
                        format!("maintainers[{i}].email"),
                        format!("`{e}` is not an email address"),
                    );
                }
            }
        }
        if let Some(icon) = &m.icon {
            let lower = icon.to_ascii_lowercase();
            if !(lower.ends_with(".png") || lower.ends_with(".svg")) {
                self.p
                    .push("icon", format!("`{icon}` must be a .png or .svg file"));
            }
        }
        if let Some(req) = m.requires.as_ref().and_then(|r| r.agent.as_deref()) {
            self.req("requires.agent", req);
        }
        if let Some(req) = m.upgrade.as_ref().and_then(|u| u.from.as_deref()) {
            self.req("upgrade.from", req);
        }
        self.parameters();
        self.components();
        self.config_groups();
        self.plugins();
        self.ingress();
        self.migrations();
        self.references();
        self.files(files);
    }

    fn text(&mut self, path: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.p.push(path, "must not be empty");
        } else if value.chars().count() > max {
            self.p
                .push(path, format!("is longer than {max} characters"));
        }
    }

    fn req(&mut self, path: &str, req: &str) {
        if let Err(e) = VersionReq::parse(req) {
            self.p.push(
                path,
                format!("`{req}` is not a semver requirement (like `>=1.0.0` or `^1.2`): {e}"),
            );
        }
    }

    fn unique<'b>(
        &mut self,
        names: impl Iterator<Item = (String, &'b str)>,
        what: &str,
        check: fn(&str) -> bool,
        rule: &str,
    ) {
        let mut seen = HashMap::new();
        for (path, name) in names {
            if !check(name) {
                self.p.push(
                    path.clone(),
                    format!("`{name}` is not a valid {what} name: {rule}"),
                );
            }
            if let Some(first) = seen.insert(name, path.clone()) {
                self.p.push(
                    path,
                    format!("duplicate {what} name `{name}` (first at `{first}`)"),
                );
            }
        }
    }

    fn parameters(&mut self) {
        let m = self.m;
        self.unique(
            m.parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("parameters[{i}].name"), p.name.as_str())),
            "parameter",
            is_param_name,
            "lowercase letters, digits and `_`, starting with a letter",
        );
        for (i, p) in m.parameters.iter().enumerate() {
            self.parameter(&format!("parameters[{i}]"), p);
        }
    }

    fn parameter(&mut self, at: &str, p: &Parameter) {
        let t = p.kind;
        let pattern = match &p.pattern {
            Some(pat) if matches!(t, ParamType::String | ParamType::Secret) => {
                match Regex::new(pat) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        self.p.push(
                            format!("{at}.pattern"),
                            format!("not a valid regular expression: {e}"),
                        );
                        None
                    }
                }
            }
            Some(_) => {
                self.p.push(
                    format!("{at}.pattern"),
                    format!(
                        "only string and secret parameters take a pattern, this one is {}",
                        t.as_str()
                    ),
                );
                None
            }
            None => None,
        };
        if t != ParamType::Integer {
            for (f, v) in [("min", p.min), ("max", p.max)] {
                if v.is_some() {
                    self.p.push(
                        format!("{at}.{f}"),
                        format!(
                            "only integer parameters take `{f}`, this one is {}",
                            t.as_str()
                        ),
                    );
                }
            }
        } else if let (Some(lo), Some(hi)) = (p.min, p.max) {
            if lo > hi {
                self.p.push(
                    format!("{at}.min"),
                    format!("min {lo} is greater than max {hi}"),
                );
            }
        }
        if t == ParamType::Enum {
            if p.options.is_empty() {
                self.p.push(
                    format!("{at}.options"),
                    "an enum parameter needs a non-empty list of `options`",
                );
            }
        } else if !p.options.is_empty() {
            self.p.push(
                format!("{at}.options"),
                format!(
                    "only enum parameters take `options`, this one is {}",
                    t.as_str()
                ),
            );
        }
        let pattern_broken = pattern.is_none()
            && p.pattern.is_some()
            && matches!(t, ParamType::String | ParamType::Secret);
        if let Some(d) = p.default.as_ref().filter(|_| !pattern_broken) {
            if let Err(e) = check_param_value(p, d, pattern.as_ref()) {
                self.p.push(format!("{at}.default"), e);
            }
        }
    }

    fn components(&mut self) {
        let m = self.m;
        if m.components.is_empty() {
            self.p
                .push("components", "a template needs at least one component");
        }
        self.unique(
            m.components
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("components[{i}].name"), c.name.as_str())),
            "component",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter, at most 63",
        );
        let plugin_names: BTreeSet<&str> = m.plugins.iter().map(|p| p.name.as_str()).collect();
        for (ci, c) in m.components.iter().enumerate() {
            let at = format!("components[{ci}]");
            self.component(&at, c, &plugin_names);
        }
        self.depends_on();
    }

    fn component(&mut self, at: &str, c: &Component, plugin_names: &BTreeSet<&str>) {
        if !is_image_reference(&c.image) {
            self.p.push(
                format!("{at}.image"),
                format!("`{}` is not an image reference (like `mysql:8.0.36` or `registry.example.com/acme/api:1.2.0`)", c.image),
            );
        }
        if let Some(r) = &c.resources {
            if let Some(cpu) = &r.cpu {
                if cpu_millis(cpu).is_none_or(|m| m == 0) {
                    self.p.push(
                        format!("{at}.resources.cpu"),
                        format!("`{}` is not a CPU amount (millicores like `500m`, or cores like `1` or `0.5`)", cpu.0),
                    );
                }
            }
            if let Some(mem) = &r.memory {
                if bytes(mem).is_none_or(|b| b == 0) {
                    self.p.push(
                        format!("{at}.resources.memory"),
                        format!("`{}` is not a memory amount (like `512Mi` or `2Gi`)", mem.0),
                    );
                }
            }
        }
        self.env_names(&format!("{at}.env"), c.env.keys());
        self.ports(&format!("{at}.ports"), &c.ports);
        self.unique(
            c.volumes
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{at}.volumes[{i}].name"), v.name.as_str())),
            "volume",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        let mut mount_paths: HashMap<&str, String> = HashMap::new();
        for (i, v) in c.volumes.iter().enumerate() {
            let p = format!("{at}.volumes[{i}]");
            self.abs_path(&format!("{p}.path"), &v.path);
            if let Some(first) = mount_paths.insert(&v.path, format!("{p}.path")) {
                self.p.push(
                    format!("{p}.path"),
                    format!("`{}` is already mounted by `{first}`", v.path),
                );
            }
            if let Some(size) = &v.size {
                if bytes(size).is_none_or(|b| b == 0) {
                    self.p.push(
                        format!("{p}.size"),
                        format!("`{}` is not a size (like `10Gi`)", size.0),
                    );
                }
            }
        }
        for (i, f) in c.config_files.iter().enumerate() {
            let p = format!("{at}.configFiles[{i}]");
            self.abs_path(&format!("{p}.path"), &f.path);
            if let Some(first) = mount_paths.insert(&f.path, format!("{p}.path")) {
                self.p.push(
                    format!("{p}.path"),
                    format!("`{}` is already mounted by `{first}`", f.path),
                );
            }
        }
        if let Some(r) = &c.probes.readiness {
            self.probe(&format!("{at}.probes.readiness"), r, c);
        }
        if let Some(l) = &c.probes.liveness {
            self.probe(&format!("{at}.probes.liveness"), l, c);
        }
        self.unique(
            c.init
                .iter()
                .enumerate()
                .map(|(i, j)| (format!("{at}.init[{i}].name"), j.name.as_str())),
            "init job",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (i, j) in c.init.iter().enumerate() {
            if j.command.is_empty() {
                self.p
                    .push(format!("{at}.init[{i}].command"), "must not be empty");
            }
        }
        let mut attached = BTreeSet::new();
        for (i, pr) in c.plugins.iter().enumerate() {
            if !plugin_names.contains(pr.name.as_str()) {
                self.p.push(
                    format!("{at}.plugins[{i}].name"),
                    format!("no plugin named `{}` is defined under `plugins`", pr.name),
                );
            } else if !attached.insert(&pr.name) {
                self.p.push(
                    format!("{at}.plugins[{i}].name"),
                    format!("plugin `{}` is attached twice", pr.name),
                );
            }
            self.env_names(&format!("{at}.plugins[{i}].env"), pr.env.keys());
        }
    }

    fn env_names<'b>(&mut self, at: &str, keys: impl Iterator<Item = &'b String>) {
        static RE: OnceLock<Regex> = OnceLock::new();
        let r = re(&RE, r"^[A-Za-z_][A-Za-z0-9_.-]*$");
        for k in keys {
            if !r.is_match(k) {
                self.p.push(
                    format!("{at}.{k}"),
                    format!("`{k}` is not an environment variable name (letters, digits, `_`, `.`, `-`; not starting with a digit)"),
                );
            }
        }
    }

    fn ports(&mut self, at: &str, ports: &[crate::manifest::Port]) {
        self.unique(
            ports
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("{at}[{i}].name"), p.name.as_str())),
            "port",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        let mut numbers = HashMap::new();
        for (i, p) in ports.iter().enumerate() {
            if !(1..=65535).contains(&p.port) {
                self.p.push(
                    format!("{at}[{i}].port"),
                    format!("{} is not a port number (1 to 65535)", p.port),
                );
            }
            let transport = if p.protocol == crate::manifest::Protocol::Udp {
                "udp"
            } else {
                "tcp"
            };
            if let Some(first) = numbers.insert((p.port, transport), i) {
                self.p.push(
                    format!("{at}[{i}].port"),
                    format!(
                        "port {} ({transport}) is already declared by `{at}[{first}]`",
                        p.port
                    ),
                );
            }
        }
    }

    fn abs_path(&mut self, at: &str, path: &str) {
        if !path.starts_with('/') || path.split('/').any(|s| s == "..") {
            self.p.push(
                at,
                format!("`{path}` must be an absolute path in the container without `..`"),
            );
        }
    }

    fn port_ref(&mut self, at: &str, r: &PortRef, c: &Component) {
        match r {
            PortRef::Number(n) if !(1..=65535).contains(n) => self
                .p
                .push(at, format!("{n} is not a port number (1 to 65535)")),
            PortRef::Number(_) => {}
            PortRef::Name(name) => {
                if !c.ports.iter().any(|p| &p.name == name) {
                    self.p.push(
                        at,
                        format!(
                            "component `{}` has no port named `{name}`{}",
                            c.name,
                            known(c.ports.iter().map(|p| p.name.as_str()))
                        ),
                    );
                }
            }
        }
    }

    fn probe(&mut self, at: &str, p: &Probe, c: &Component) {
        let kinds = [p.http.is_some(), p.tcp.is_some(), p.exec.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if kinds != 1 {
            self.p
                .push(at, "a probe needs exactly one of `http`, `tcp` or `exec`");
        }
        if let Some(h) = &p.http {
            if !h.path.starts_with('/') {
                self.p.push(
                    format!("{at}.http.path"),
                    format!("`{}` must start with `/`", h.path),
                );
            }
            self.port_ref(&format!("{at}.http.port"), &h.port, c);
        }
        if let Some(t) = &p.tcp {
            self.port_ref(&format!("{at}.tcp.port"), &t.port, c);
        }
        if let Some(e) = &p.exec {
            if e.command.is_empty() {
                self.p
                    .push(format!("{at}.exec.command"), "must not be empty");
            }
        }
        for (f, v) in [
            ("periodSeconds", p.period_seconds),
            ("timeoutSeconds", p.timeout_seconds),
            ("failureThreshold", p.failure_threshold),
            ("successThreshold", p.success_threshold),
        ] {
            if v == Some(0) {
                self.p.push(format!("{at}.{f}"), "must be at least 1");
            }
        }
    }

    fn depends_on(&mut self) {
        let m = self.m;
        let index: HashMap<&str, usize> = m
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        for (ci, c) in m.components.iter().enumerate() {
            for (di, d) in c.depends_on.iter().enumerate() {
                if d == &c.name {
                    self.p.push(
                        format!("components[{ci}].dependsOn[{di}]"),
                        format!("component `{d}` cannot depend on itself"),
                    );
                } else if !index.contains_key(d.as_str()) {
                    self.p.push(
                        format!("components[{ci}].dependsOn[{di}]"),
                        format!("no component named `{d}`{}", known(index.keys().copied())),
                    );
                }
            }
        }
        // Report each cycle once, at the component where the search first closes
        // it; a component depending on itself is reported above.
        for cycle in Graph::new(&m.components).cycles() {
            if !cycle.is_self_loop() {
                self.p.push(
                    format!("components[{}].dependsOn", cycle.at),
                    cycle.to_string(),
                );
            }
        }
    }

    fn component_named(&self, name: &str) -> Option<&'a Component> {
        self.m.components.iter().find(|c| c.name == name)
    }

    fn config_groups(&mut self) {
        let m = self.m;
        self.unique(
            m.config_groups
                .iter()
                .enumerate()
                .map(|(i, g)| (format!("configGroups[{i}].name"), g.name.as_str())),
            "config group",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (gi, g) in m.config_groups.iter().enumerate() {
            if g.components.is_empty() {
                self.p.push(
                    format!("configGroups[{gi}].components"),
                    "list the components that receive this group",
                );
            }
            for (i, c) in g.components.iter().enumerate() {
                if self.component_named(c).is_none() {
                    self.p.push(
                        format!("configGroups[{gi}].components[{i}]"),
                        format!("no component named `{c}`"),
                    );
                }
            }
            self.env_names(&format!("configGroups[{gi}].env"), g.env.keys());
        }
    }

    fn plugins(&mut self) {
        let m = self.m;
        self.unique(
            m.plugins
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("plugins[{i}].name"), p.name.as_str())),
            "plugin",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (i, p) in m.plugins.iter().enumerate() {
            if !is_image_reference(&p.image) {
                self.p.push(
                    format!("plugins[{i}].image"),
                    format!("`{}` is not an image reference", p.image),
                );
            }
            if p.kind == PluginKind::Init && !p.ports.is_empty() {
                self.p.push(
                    format!("plugins[{i}].ports"),
                    "an init plugin runs to completion and cannot expose ports",
                );
            }
            self.ports(&format!("plugins[{i}].ports"), &p.ports);
            self.env_names(&format!("plugins[{i}].env"), p.env.keys());
        }
    }

    fn ingress(&mut self) {
        let m = self.m;
        for (i, r) in m.ingress.http.iter().enumerate() {
            let at = format!("ingress.http[{i}]");
            if r.host.trim().is_empty() {
                self.p.push(format!("{at}.host"), "must not be empty");
            }
            if !r.path.starts_with('/') {
                self.p.push(
                    format!("{at}.path"),
                    format!("`{}` must start with `/`", r.path),
                );
            }
            match self.component_named(&r.component) {
                None => self.p.push(
                    format!("{at}.component"),
                    format!("no component named `{}`", r.component),
                ),
                Some(c) => self.port_ref(&format!("{at}.port"), &r.port, c),
            }
        }
        let mut ports = HashMap::new();
        for (i, r) in m.ingress.stream.iter().enumerate() {
            let at = format!("ingress.stream[{i}]");
            if !(1..=65535).contains(&r.port) {
                self.p.push(
                    format!("{at}.port"),
                    format!("{} is not a port number (1 to 65535)", r.port),
                );
            }
            // One port may carry both TCP and UDP (syslog 514, DNS 53).
            let transport = if r.protocol == Some(crate::manifest::Protocol::Udp) {
                "udp"
            } else {
                "tcp"
            };
            if let Some(first) = ports.insert((r.port, transport), i) {
                self.p.push(
                    format!("{at}.port"),
                    format!(
                        "port {} ({transport}) is already routed by `ingress.stream[{first}]`",
                        r.port
                    ),
                );
            }
            match self.component_named(&r.component) {
                None => self.p.push(
                    format!("{at}.component"),
                    format!("no component named `{}`", r.component),
                ),
                Some(c) => self.port_ref(&format!("{at}.targetPort"), &r.target_port, c),
            }
        }
    }

    fn migrations(&mut self) {
        let m = self.m;
        self.unique(
            m.migrations
                .iter()
                .enumerate()
                .map(|(i, g)| (format!("migrations[{i}].name"), g.name.as_str())),
            "migration",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (i, mg) in m.migrations.iter().enumerate() {
            self.req(&format!("migrations[{i}].from"), &mg.from);
            if self.component_named(&mg.component).is_none() {
                self.p.push(
                    format!("migrations[{i}].component"),
                    format!("no component named `{}`", mg.component),
                );
            }
            if mg.command.is_empty() {
                self.p
                    .push(format!("migrations[{i}].command"), "must not be empty");
            }
        }
    }

    /// Every string that may hold `${…}`, with its path.
    fn interpolated(&self) -> Vec<(String, &'a str)> {
        let m = self.m;
        let mut out: Vec<(String, &'a str)> = Vec::new();
        let list = |out: &mut Vec<(String, &'a str)>, at: String, items: &'a [String]| {
            for (i, s) in items.iter().enumerate() {
                out.push((format!("{at}[{i}]"), s.as_str()));
            }
        };
        for (ci, c) in m.components.iter().enumerate() {
            let at = format!("components[{ci}]");
            for (k, v) in &c.env {
                out.push((format!("{at}.env.{k}"), v));
            }
            list(&mut out, format!("{at}.command"), &c.command);
            list(&mut out, format!("{at}.args"), &c.args);
            for (ji, j) in c.init.iter().enumerate() {
                list(&mut out, format!("{at}.init[{ji}].command"), &j.command);
            }
            for (pi, p) in c.plugins.iter().enumerate() {
                for (k, v) in &p.env {
                    out.push((format!("{at}.plugins[{pi}].env.{k}"), v));
                }
            }
        }
        for (gi, g) in m.config_groups.iter().enumerate() {
            for (k, v) in &g.env {
                out.push((format!("configGroups[{gi}].env.{k}"), v));
            }
        }
        for (pi, p) in m.plugins.iter().enumerate() {
            for (k, v) in &p.env {
                out.push((format!("plugins[{pi}].env.{k}"), v));
            }
            list(&mut out, format!("plugins[{pi}].command"), &p.command);
            list(&mut out, format!("plugins[{pi}].args"), &p.args);
        }
        for (i, r) in m.ingress.http.iter().enumerate() {
            out.push((format!("ingress.http[{i}].host"), &r.host));
        }
        for (i, mg) in m.migrations.iter().enumerate() {
            list(&mut out, format!("migrations[{i}].command"), &mg.command);
        }
        out
    }

    fn references(&mut self) {
        for (path, s) in self.interpolated() {
            self.check_references(&path, s);
        }
    }

    fn check_references(&mut self, path: &str, s: &str) {
        match interpolate::references(s) {
            Err(e) => self.p.push(path, e),
            Ok(refs) => {
                for r in refs {
                    if let Some(e) = self.reference_error(&r) {
                        self.p.push(path, e);
                    }
                }
            }
        }
    }

    fn reference_error(&self, r: &Reference) -> Option<String> {
        let m = self.m;
        match r {
            Reference::Param(p) => (!m.parameters.iter().any(|x| &x.name == p)).then(|| {
                format!(
                    "`{r}` refers to an unknown parameter `{p}`{}",
                    known(m.parameters.iter().map(|x| x.name.as_str()))
                )
            }),
            Reference::ComponentHost(c) => self.component_named(c).is_none().then(|| {
                format!(
                    "`{r}` refers to an unknown component `{c}`{}",
                    known(m.components.iter().map(|x| x.name.as_str()))
                )
            }),
            Reference::ComponentPort { component, port } => match self.component_named(component) {
                None => Some(format!(
                    "`{r}` refers to an unknown component `{component}`{}",
                    known(m.components.iter().map(|x| x.name.as_str()))
                )),
                Some(c) => (!c.ports.iter().any(|p| &p.name == port)).then(|| {
                    format!(
                        "`{r}`: component `{component}` has no port named `{port}`{}",
                        known(c.ports.iter().map(|p| p.name.as_str()))
                    )
                }),
            },
            Reference::ReleaseName | Reference::TemplateVersion => None,
        }
    }

    fn files(&mut self, files: Option<&Files>) {
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

fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    if v.is_empty() {
        String::new()
    } else {
        format!(" (known: {})", v.join(", "))
    }
}

/// Check a value given for a parameter against its type, bounds and pattern.
/// Used for defaults here and for install-time values by the agent.
pub fn check_param_value(
    p: &Parameter,
    value: &serde_json::Value,
    pattern: Option<&Regex>,
) -> Result<(), String> {
    use serde_json::Value;
    match (p.kind, value) {
        (ParamType::String | ParamType::Secret, Value::String(s)) => {
            let compiled;
            let pattern = match (pattern, &p.pattern) {
                (Some(r), _) => Some(r),
                (None, Some(pat)) => {
                    compiled = Regex::new(pat).map_err(|e| e.to_string())?;
                    Some(&compiled)
                }
                (None, None) => None,
            };
            if let Some(r) = pattern {
                if !r.is_match(s) {
                    return Err(if p.kind == ParamType::Secret {
                        format!("the value does not match the pattern `{}`", r.as_str())
                    } else {
                        format!("`{s}` does not match the pattern `{}`", r.as_str())
                    });
                }
            }
            Ok(())
        }
        (ParamType::Integer, Value::Number(n)) => {
            let i = n
                .as_i64()
                .ok_or_else(|| format!("{n} is not a whole number"))?;
            if let Some(lo) = p.min.filter(|lo| i < *lo) {
                return Err(format!("{i} is less than the minimum {lo}"));
            }
            if let Some(hi) = p.max.filter(|hi| i > *hi) {
                return Err(format!("{i} is more than the maximum {hi}"));
            }
            Ok(())
        }
        (ParamType::Boolean, Value::Bool(_)) => Ok(()),
        (ParamType::Enum, Value::String(s)) => {
            if p.options.contains(s) {
                Ok(())
            } else {
                Err(format!(
                    "`{s}` is not one of the options: {}",
                    p.options.join(", ")
                ))
            }
        }
        (t, v) => Err(format!(
            "expected a {} value, found `{v}`",
            match t {
                ParamType::Secret => "string (secret)",
                ParamType::Enum => "string (one of the options)",
                other => other.as_str(),
            }
        )),
    }
}
