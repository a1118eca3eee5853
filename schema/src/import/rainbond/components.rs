//! The `apps`: each becomes a component with its resources, ports, volumes, probes and env.

use super::model::{positive, App};
use super::Convert;
use crate::import::{
    add_volume, binary_quantity, component_like, escape, is_container_path, millicores, name_ports,
    new_component, port_label, port_number, port_ref,
};
use crate::manifest::{
    ConfigFile, ExecProbe, HttpProbe, PortRef, Probe, Protocol, Quantity, Resources, TcpProbe,
};
use crate::validate::is_image_reference;
use std::collections::BTreeSet;

impl Convert<'_> {
    pub(super) fn components(&mut self) {
        let cfg = self.cfg;
        let apps = &cfg.apps;
        for (i, app) in apps.iter().enumerate() {
            let at = self.f(format_args!("apps[{i}]"));
            let Some(image) = self.image(app, &at) else {
                self.comp.push(None);
                continue;
            };
            let taken: BTreeSet<&str> = self
                .d
                .m
                .components
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            let fallback = if app.service_alias.0.is_empty() {
                "component"
            } else {
                &app.service_alias.0
            };
            // A component made from an image is named after it (`mariadb:latest`).
            let cname = app.service_cname.0.trim();
            let cname = match cname.split_once(':') {
                Some((base, tag)) if !base.is_empty() && !tag.contains(char::is_whitespace) => base,
                _ => cname,
            };
            let name = component_like(cname, fallback, &taken);
            self.comp.push(Some(self.d.m.components.len()));
            self.d.m.components.push(new_component(name, image));
        }
        for (i, app) in apps.iter().enumerate() {
            for k in [&app.service_share_uuid, &app.service_key, &app.service_id] {
                if !k.0.is_empty() {
                    self.keys.entry(k.0.as_str()).or_insert(i);
                }
            }
        }
        for (i, app) in apps.iter().enumerate() {
            for k in [&app.service_cname, &app.service_alias] {
                if !k.0.is_empty() {
                    self.keys.entry(k.0.as_str()).or_insert(i);
                }
            }
        }
        for (i, app) in apps.iter().enumerate() {
            if let Some(c) = self.comp[i] {
                self.component(i, app, c);
            }
        }
    }

    /// The image of an app: `share_image` (what Rainbond installs), else `image`.
    fn image(&mut self, app: &App, at: &str) -> Option<String> {
        let share = app.share_image.0.trim();
        let image = app.image.0.trim();
        let Some((field, chosen)) = [("share_image", share), ("image", image)]
            .into_iter()
            .find(|(_, s)| is_image_reference(s))
        else {
            self.d.warn(
                at,
                format!(
                    "no usable image (`share_image` `{share}`, `image` `{image}`{}); the component is left out",
                    if app.service_source.0.is_empty() {
                        String::new()
                    } else {
                        format!(", source `{}`", app.service_source.0)
                    }
                ),
            );
            return None;
        };
        if field == "image" && !share.is_empty() {
            self.d.warn(
                format!("{at}.share_image"),
                format!("`{share}` is not an image reference; `image` is used instead"),
            );
        }
        self.pull_warnings(
            (format!("{at}.{field}"), chosen),
            "; push the image to a registry they can reach",
            (format!("{at}.service_image"), &app.service_image),
        );
        Some(chosen.to_string())
    }

    fn component(&mut self, i: usize, app: &App, c: usize) {
        let at = self.f(format_args!("apps[{i}]"));
        let name = self.d.m.components[c].name.clone();

        let method = app.extend_method.0.trim();
        let (stateful, singleton) = match method {
            "" | "stateless" | "stateless_multiple" => (false, false),
            "stateless_singleton" => (false, true),
            "state" | "state_multiple" | "stateful" => (true, false),
            "state_singleton" => (true, true),
            "job" | "cronjob" => {
                self.d.warn(
                    format!("{at}.extend_method"),
                    format!("`{method}`: souk has no run-to-completion or scheduled components; imported as a long-running one"),
                );
                (false, true)
            }
            other => {
                self.d.warn(
                    format!("{at}.extend_method"),
                    format!("unknown deploy type `{other}`; imported as stateless"),
                );
                (false, false)
            }
        };
        let min_node = app.extend_method_map.min_node.0;
        let replicas = if singleton || min_node < 1 {
            1
        } else {
            u32::try_from(min_node).unwrap_or(1)
        };

        let memory = [app.memory.0, app.extend_method_map.init_memory.0]
            .into_iter()
            .find(|m| *m > 0)
            .map(|mib| binary_quantity(mib as u64 * 1024 * 1024));
        let cpu = [
            app.cpu.0,
            app.container_cpu.0,
            app.extend_method_map.container_cpu.0,
        ]
        .into_iter()
        .find(|m| *m > 0)
        .map(|m| millicores(m as u64));
        let gpu = [app.gpu.0, app.container_gpu.0]
            .into_iter()
            .find(|g| *g > 0)
            .and_then(|g| u32::try_from(g).ok());
        let resources = (memory.is_some() || cpu.is_some() || gpu.is_some()).then_some(Resources {
            cpu,
            memory,
            gpu,
        });

        let args = self.command_words(&app.cmd.0, &format!("{at}.cmd"));

        {
            let comp = &mut self.d.m.components[c];
            comp.stateful = stateful;
            comp.replicas = replicas;
            comp.resources = resources;
            comp.args = args;
        }
        self.ports(i, app, c);
        self.volumes(i, app, c, &name);
        self.probes(i, app, c);

        for (ei, e) in app.service_env_map_list.iter().enumerate() {
            let field = format!("{at}.service_env_map_list[{ei}]");
            let Some(key) = self.env_key(e, &field) else {
                continue;
            };
            let value = self.value(&e.attr_value.0, &name, &key, &field);
            if self.d.m.components[c]
                .env
                .insert(key.clone(), value)
                .is_some()
            {
                self.d.warn(
                    &field,
                    format!("`{key}` is set twice; the last value is kept"),
                );
            }
            self.env_fields.insert((c, key), field);
        }

        for (mi, m) in app.mnt_relation_list.iter().enumerate() {
            self.d.warn(
                format!("{at}.mnt_relation_list[{mi}]"),
                format!(
                    "mounts volume `{}` of another component at `{}`; souk components do not share volumes, left out",
                    m.mnt_name.0, m.mnt_dir.0
                ),
            );
        }
    }

    /// Words of a Rainbond command line, split as a shell would.
    pub(super) fn command_words(&mut self, cmd: &str, field: &str) -> Vec<String> {
        let cmd = cmd.trim();
        if cmd.is_empty() {
            return vec![];
        }
        let words = self.d.command_words(cmd, field);
        if cmd.contains("${") {
            self.d.warn(
                field,
                "`${…}` here is Rainbond's variable syntax, which souk would read as its own reference; written as literal text",
            );
        }
        words.iter().map(|w| escape(w)).collect()
    }

    fn ports(&mut self, i: usize, app: &App, c: usize) {
        let mut list = Vec::new();
        let mut seen = BTreeSet::new();
        for (pi, p) in app.port_map_list.iter().enumerate() {
            let field = self.f(format_args!("apps[{i}].port_map_list[{pi}]"));
            let n = p.container_port.0;
            let Some(port) = port_number(n) else {
                self.d.warn(
                    field,
                    format!("`{n}` is not a port number; the port is left out"),
                );
                continue;
            };
            let raw = p.protocol.0.trim().to_ascii_lowercase();
            let protocol = match raw.as_str() {
                "http" | "https" => Protocol::Http,
                "grpc" => Protocol::Grpc,
                "udp" => Protocol::Udp,
                _ => Protocol::Tcp,
            };
            if !seen.insert((port, protocol == Protocol::Udp)) {
                self.d.warn(
                    field,
                    format!("port {port} is declared twice; the second is left out"),
                );
                continue;
            }
            let label = port_label([p.name.0.as_str(), raw.as_str()], protocol);
            list.push((label, port, protocol));
            if p.is_outer_service.0 {
                self.outer.push((c, port, protocol));
            }
        }
        self.d.m.components[c].ports = name_ports(list);
    }

    fn volumes(&mut self, i: usize, app: &App, c: usize, name: &str) {
        let mut paths = BTreeSet::new();
        for (vi, v) in app.service_volume_map_list.iter().enumerate() {
            let field = self.f(format_args!("apps[{i}].service_volume_map_list[{vi}]"));
            let path = v.volume_path.0.trim().to_string();
            if !is_container_path(&path) {
                self.d.warn(
                    field,
                    format!("`{path}` is not an absolute path in the container; left out"),
                );
                continue;
            }
            if !paths.insert(path.clone()) {
                self.d.warn(
                    field,
                    format!("`{path}` is mounted twice; the second mount is left out"),
                );
                continue;
            }
            let kind = v.volume_type.0.trim();
            if kind == "config-file" {
                let file = path
                    .rsplit('/')
                    .next()
                    .map(|f| {
                        f.chars()
                            .map(|c| {
                                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                                    c
                                } else {
                                    '_'
                                }
                            })
                            .collect::<String>()
                    })
                    .filter(|f| !f.is_empty() && f != "." && f != "..")
                    .unwrap_or_else(|| "config".into());
                let content = self.d.literal(
                    &v.file_content.0,
                    &field,
                    "the file holds `${…}`, which Rainbond filled from the component's environment and souk would read as its own reference; written as literal text",
                );
                let source = self
                    .d
                    .add_file(&format!("files/{name}/{file}"), content.into_bytes());
                self.d.m.components[c]
                    .config_files
                    .push(ConfigFile { path, source });
                continue;
            }
            match kind {
                "" | "share-file" | "local" | "local-path" => {}
                "memoryfs" => self.d.warn(
                    &field,
                    "a memory-backed volume (`memoryfs`) becomes a persistent volume in souk",
                ),
                other => self.d.warn(
                    &field,
                    format!(
                        "volume type `{other}` is not carried over: the site chooses the storage"
                    ),
                ),
            }
            let size = u64::try_from(v.volume_capacity.0)
                .ok()
                .filter(|g| *g > 0)
                .map(|g| Quantity(format!("{g}Gi")));
            add_volume(&mut self.d.m.components[c], &v.volume_name.0, path, size);
        }
    }

    fn probes(&mut self, i: usize, app: &App, c: usize) {
        for (pi, p) in app.probes.iter().enumerate() {
            let field = self.f(format_args!("apps[{i}].probes[{pi}]"));
            if p.is_used.is_some_and(|u| !u.0) {
                self.d.warn(
                    field,
                    "the probe is turned off (`is_used: false`); left out",
                );
                continue;
            }
            let mode = p.mode.0.trim().to_ascii_lowercase();
            let taken = match mode.as_str() {
                "readiness" => self.d.m.components[c].probes.readiness.is_some(),
                "liveness" => self.d.m.components[c].probes.liveness.is_some(),
                "ignore" => {
                    self.d.warn(
                        field,
                        "mode `ignore`: Rainbond only displayed this probe's result, souk has no such probe; left out",
                    );
                    continue;
                }
                other => {
                    self.d
                        .warn(field, format!("unknown probe mode `{other}`; left out"));
                    continue;
                }
            };
            if taken {
                self.d.warn(
                    field,
                    format!(
                        "a second {mode} probe; souk keeps one of each kind, this one is left out"
                    ),
                );
                continue;
            }
            let scheme = p.scheme.0.trim().to_ascii_lowercase();
            let mut probe = Probe {
                http: None,
                tcp: None,
                exec: None,
                initial_delay_seconds: positive(p.initial_delay_second),
                period_seconds: positive(p.period_second),
                timeout_seconds: positive(p.timeout_second),
                failure_threshold: positive(p.failure_threshold),
                success_threshold: positive(p.success_threshold),
            };
            match scheme.as_str() {
                "http" | "https" | "tcp" => {
                    let Some(port) = self.probe_port(c, p.port.0, &field) else {
                        continue;
                    };
                    if scheme == "tcp" {
                        probe.tcp = Some(TcpProbe { port });
                    } else {
                        let path = p.path.0.trim();
                        let path = if path.starts_with('/') {
                            path.to_string()
                        } else {
                            format!("/{path}")
                        };
                        if scheme == "https" {
                            self.d.warn(
                                &field,
                                "an HTTPS probe becomes an HTTP probe: souk's HTTP probes speak plain HTTP",
                            );
                        }
                        if !p.http_header.0.trim().is_empty() {
                            self.d.warn(
                                &field,
                                format!(
                                    "the probe's HTTP headers (`{}`) are not carried over",
                                    p.http_header.0.trim()
                                ),
                            );
                        }
                        probe.http = Some(HttpProbe { path, port });
                    }
                }
                "cmd" | "exec" => {
                    let command = self.command_words(&p.cmd.0, &format!("{field}.cmd"));
                    if command.is_empty() {
                        self.d
                            .warn(field, "a command probe without a command; left out");
                        continue;
                    }
                    probe.exec = Some(ExecProbe { command });
                }
                other => {
                    self.d
                        .warn(field, format!("unknown probe scheme `{other}`; left out"));
                    continue;
                }
            }
            let probes = &mut self.d.m.components[c].probes;
            if mode == "readiness" {
                probes.readiness = Some(probe);
            } else {
                probes.liveness = Some(probe);
            }
        }
    }

    /// The port a probe checks, by name when the component declares it.
    fn probe_port(&mut self, c: usize, n: i64, field: &str) -> Option<PortRef> {
        let ports = &self.d.m.components[c].ports;
        if n == 0 {
            return match ports.first() {
                Some(p) => Some(PortRef::Name(p.name.clone())),
                None => {
                    self.d.warn(
                        field,
                        "the probe names no port and the component has none; left out",
                    );
                    None
                }
            };
        }
        let Some(n) = port_number(n) else {
            self.d
                .warn(field, format!("`{n}` is not a port number; left out"));
            return None;
        };
        Some(port_ref(&self.d.m.components[c], n))
    }
}
