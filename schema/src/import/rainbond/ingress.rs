//! The `ingress_http_routes` and `ingress_stream_routes`, and routes for outer ports.

use super::model::{is_empty_value, Num, Text};
use super::Convert;
use crate::import::{escape, port_number, port_ref};
use crate::manifest::{HttpRoute, Protocol};
use std::collections::BTreeSet;

/// An HTTP route before its host is chosen.
struct PendingRoute {
    component: usize,
    port: u32,
    path: String,
    host: Option<String>,
}

impl Convert<'_> {
    /// The component and port a route names, or a warning at `at` and `None`.
    fn route_target(&mut self, at: &str, key: &Text, port: &Num) -> Option<(usize, u32)> {
        let Some(c) = self.resolve(&key.0) else {
            self.d.warn(
                at,
                format!("`{}` is not a component of this template (or was left out); the route is left out", key.0),
            );
            return None;
        };
        let Some(port) = port_number(port.0) else {
            self.d.warn(
                at,
                format!("`{}` is not a port number; the route is left out", port.0),
            );
            return None;
        };
        Some((c, port))
    }

    pub(super) fn ingress(&mut self) {
        let cfg = self.cfg;
        let mut http: Vec<PendingRoute> = Vec::new();
        for (ri, r) in cfg.ingress_http_routes.iter().enumerate() {
            let at = self.f(format_args!("ingress_http_routes[{ri}]"));
            let Some((c, port)) = self.route_target(&at, &r.component_key, &r.port) else {
                continue;
            };
            let location = r.location.0.trim();
            let path = if location.starts_with('/') {
                location.to_string()
            } else {
                format!("/{location}")
            };
            let domain = [&r.domain.0, &r.domain_name.0]
                .into_iter()
                .map(|d| d.trim())
                .find(|d| !d.is_empty());
            let host = match (r.default_domain.is_some_and(|d| d.0), domain) {
                (false, Some(d)) => Some(escape(d)),
                _ => None,
            };
            let mut dropped = Vec::new();
            for (what, set) in [
                ("cookies", !is_empty_value(&r.cookies)),
                ("headers", !is_empty_value(&r.headers)),
                ("proxy_header", !is_empty_value(&r.proxy_header)),
                ("ssl", r.ssl.0),
                ("websocket", r.websocket.0),
                ("proxy_buffer", r.proxy_buffer.0),
                (
                    "load_balancing",
                    !matches!(r.load_balancing.0.trim(), "" | "round-robin"),
                ),
                ("connection_timeout", r.connection_timeout.0 > 0),
                ("request_timeout", r.request_timeout.0 > 0),
                ("response_timeout", r.response_timeout.0 > 0),
                ("request_body_size_limit", r.request_body_size_limit.0 > 0),
                ("proxy_buffer_size", r.proxy_buffer_size.0 > 0),
                ("proxy_buffer_numbers", r.proxy_buffer_numbers.0 > 0),
            ] {
                if set {
                    dropped.push(format!("`{what}`"));
                }
            }
            if !dropped.is_empty() {
                self.d.warn(
                    at,
                    format!(
                        "the route's {} settings are not carried over: the site's gateway decides them",
                        dropped.join(", ")
                    ),
                );
            }
            http.push(PendingRoute {
                component: c,
                port,
                path,
                host,
            });
        }
        let mut stream: Vec<(usize, u32, Option<Protocol>, String)> = Vec::new();
        for (ri, r) in cfg.ingress_stream_routes.iter().enumerate() {
            let at = self.f(format_args!("ingress_stream_routes[{ri}]"));
            let Some((c, port)) = self.route_target(&at, &r.component_key, &r.port) else {
                continue;
            };
            if r.connection_timeout.0 > 0 {
                self.d.warn(
                    &at,
                    "the route's `connection_timeout` is not carried over: the site's gateway decides it",
                );
            }
            let protocol =
                (r.protocol.0.trim().eq_ignore_ascii_case("udp")).then_some(Protocol::Udp);
            stream.push((c, port, protocol, at));
        }
        for &(c, port, protocol) in &self.outer.clone() {
            let routed_http = http.iter().any(|r| r.component == c && r.port == port);
            let routed_stream = stream.iter().any(|r| r.0 == c && r.1 == port);
            if routed_http || routed_stream {
                continue;
            }
            if matches!(protocol, Protocol::Http | Protocol::Grpc) {
                http.push(PendingRoute {
                    component: c,
                    port,
                    path: "/".into(),
                    host: None,
                });
            } else {
                let app = self.comp.iter().position(|x| *x == Some(c)).unwrap_or(0);
                let pi = cfg.apps[app]
                    .port_map_list
                    .iter()
                    .position(|p| p.container_port.0 == i64::from(port))
                    .unwrap_or(0);
                stream.push((
                    c,
                    port,
                    Some(protocol),
                    self.f(format_args!("apps[{app}].port_map_list[{pi}]")),
                ));
            }
        }
        for r in &http {
            let comp = &self.d.m.components[r.component];
            let several = http
                .iter()
                .filter(|o| o.component == r.component && o.host.is_none())
                .map(|o| o.port)
                .collect::<BTreeSet<_>>()
                .len()
                > 1;
            let port = port_ref(comp, r.port);
            let component = comp.name.clone();
            let host = match &r.host {
                Some(h) => h.clone(),
                None => self.d.generated_host(&component, r.port, several),
            };
            self.d.m.ingress.http.push(HttpRoute {
                host,
                path: r.path.clone(),
                component,
                port,
            });
        }
        for (c, port, protocol, at) in stream {
            let comp = &self.d.m.components[c];
            let protocol = protocol.unwrap_or_else(|| {
                comp.ports
                    .iter()
                    .find(|p| p.port == port)
                    .map_or(Protocol::Tcp, |p| p.protocol)
            });
            let protocol = if protocol == Protocol::Udp {
                Protocol::Udp
            } else {
                Protocol::Tcp
            };
            let target = port_ref(comp, port);
            let component = comp.name.clone();
            let gateway = self
                .d
                .add_stream_route(port, protocol, component.clone(), target);
            self.d.warn(
                at,
                format!("Rainbond chose the gateway port at install; souk opens {gateway} on the site's gateway for `{component}` port {port}"),
            );
        }
    }
}
