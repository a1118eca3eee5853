//! `components`: image, resources, env, ports, volumes, config files, probes,
//! init jobs, attached plugins and `dependsOn`.

use super::{known, re, Validator};
use crate::graph::Graph;
use crate::manifest::{Component, PortRef, Probe, Quantity};
use crate::names::is_component_like;
use regex::Regex;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

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

impl Validator<'_> {
    pub(super) fn components(&mut self) {
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

    pub(super) fn env_names<'b>(&mut self, at: &str, keys: impl Iterator<Item = &'b String>) {
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

    pub(super) fn ports(&mut self, at: &str, ports: &[crate::manifest::Port]) {
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

    pub(super) fn port_ref(&mut self, at: &str, r: &PortRef, c: &Component) {
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
}
