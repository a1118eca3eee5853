//! `ingress`: HTTP routes and TCP/UDP streams to the components' ports.

use super::Validator;
use std::collections::HashMap;

impl Validator<'_> {
    pub(super) fn ingress(&mut self) {
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
}
