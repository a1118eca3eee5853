//! A service's `ports` and `expose`: declared ports, and routes for the published ones.

use super::{key_text, scalar, Compose};
use crate::import::{name_ports, port_label, port_number, port_ref};
use crate::manifest::{Component, HttpRoute, PortRef, Protocol};
use serde_yaml_ng::{Mapping, Value};
use std::collections::BTreeSet;

/// A port as Compose writes it, short or long.
pub(super) struct PortSpec {
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

impl Compose<'_> {
    pub(super) fn ports(&mut self, v: &Value, field: &str, out: &mut Vec<PortSpec>) {
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
        let target = self.parse_port(target, field)?;
        let published = match published.filter(|p| !p.is_empty()) {
            Some(p) => Some(self.parse_port(p, field)?),
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
                "target" => spec.target = self.parse_port(&text, field)?,
                "published" if text.contains('-') => {
                    self.d.warn(
                        field,
                        format!("`{text}` is a port range; the port is published without a route"),
                    );
                }
                "published" if !text.is_empty() => {
                    spec.published = Some(self.parse_port(&text, field)?)
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

    /// A port number written as text, or a warning at `field`.
    fn parse_port(&mut self, s: &str, field: &str) -> Option<u32> {
        match s.trim().parse().ok().and_then(port_number) {
            Some(n) => Some(n),
            None => {
                self.d.warn(
                    field,
                    format!("`{s}` is not a port number; the port is ignored"),
                );
                None
            }
        }
    }

    pub(super) fn expose(&mut self, v: &Value, field: &str, out: &mut Vec<PortSpec>) {
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
    pub(super) fn place_ports(&mut self, specs: Vec<PortSpec>, comp: &mut Component) {
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
            declared.push((port_label(s.name.as_deref(), protocol), s.target, protocol));
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
                let host = self
                    .d
                    .generated_host(&comp.name, s.target, http_targets.len() > 1);
                self.d.m.ingress.http.push(HttpRoute {
                    host,
                    path: "/".into(),
                    component: comp.name.clone(),
                    port,
                });
            } else {
                let protocol = if s.udp { Protocol::Udp } else { Protocol::Tcp };
                let target = if s.udp {
                    comp.ports
                        .iter()
                        .find(|p| p.port == s.target && p.protocol == Protocol::Udp)
                        .map_or(port, |p| PortRef::Name(p.name.clone()))
                } else {
                    port
                };
                let gateway =
                    self.d
                        .add_stream_route(published, protocol, comp.name.clone(), target);
                if gateway != published {
                    self.d.warn(
                        field,
                        format!(
                            "host port {published} is routed twice; souk opens {gateway} instead"
                        ),
                    );
                }
            }
        }
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
