//! How components reach one another: dependencies, connection info, mesh addresses.

use super::Convert;

impl Convert<'_> {
    pub(super) fn dependencies(&mut self) {
        let cfg = self.cfg;
        for (i, app) in cfg.apps.iter().enumerate() {
            let Some(c) = self.comp[i] else { continue };
            for (di, dep) in app.dep_service_map_list.iter().enumerate() {
                let field = self.f(format_args!("apps[{i}].dep_service_map_list[{di}]"));
                let key = dep.dep_service_key.0.trim();
                match self.resolve(key) {
                    Some(t) if t == c => self
                        .d
                        .warn(field, "a component cannot depend on itself; dropped"),
                    Some(t) => {
                        let target = self.d.m.components[t].name.clone();
                        let deps = &mut self.d.m.components[c].depends_on;
                        if !deps.contains(&target) {
                            deps.push(target);
                        }
                    }
                    None => self.d.warn(
                        field,
                        format!("`{key}` is not a component of this template (or was left out); the dependency is dropped"),
                    ),
                }
            }
        }
    }

    /// Connection info (`service_connect_info_map_list`) goes to the components
    /// that depend on its owner, with its address and ports as references;
    /// without dependents it stays on its owner.
    pub(super) fn connection_info(&mut self) {
        let cfg = self.cfg;
        for (i, app) in cfg.apps.iter().enumerate() {
            let Some(x) = self.comp[i] else { continue };
            let owner = self.d.m.components[x].name.clone();
            let dependents: Vec<usize> = (0..self.d.m.components.len())
                .filter(|&d| self.d.m.components[d].depends_on.contains(&owner))
                .collect();
            let targets = if dependents.is_empty() {
                vec![x]
            } else {
                dependents
            };
            for (ei, e) in app.service_connect_info_map_list.iter().enumerate() {
                let field = self.f(format_args!(
                    "apps[{i}].service_connect_info_map_list[{ei}]"
                ));
                let Some(key) = self.env_key(e, &field) else {
                    continue;
                };
                let v = e.attr_value.0.trim();
                let comp = &self.d.m.components[x];
                let value = if is_host_variable(&key) {
                    format!("${{components.{owner}.host}}")
                } else if let Some(port) = v
                    .parse::<u32>()
                    .ok()
                    .filter(|_| key.to_ascii_uppercase().contains("PORT"))
                    .and_then(|n| comp.ports.iter().find(|p| p.port == n))
                {
                    format!("${{components.{owner}.ports.{}}}", port.name)
                } else {
                    self.value(&e.attr_value.0, &owner, &key, &field)
                };
                for &t in &targets {
                    let env = &mut self.d.m.components[t].env;
                    match env.get(&key) {
                        None => {
                            env.insert(key.clone(), value.clone());
                            self.env_fields.insert((t, key.clone()), field.clone());
                        }
                        Some(v) if *v == value => {}
                        Some(_) => {
                            let name = self.d.m.components[t].name.clone();
                            self.d.warn(
                                &field,
                                format!("`{name}` sets `{key}` itself; its own value is kept"),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Rainbond's mesh answers on `127.0.0.1` for a component's dependencies;
    /// souk components reach each other at `${components.NAME.host}`.
    pub(super) fn mesh_addresses(&mut self) {
        for c in 0..self.d.m.components.len() {
            let comp = &self.d.m.components[c];
            let local: Vec<String> = comp
                .env
                .iter()
                .filter(|(k, v)| {
                    is_host_variable(k) && matches!(v.as_str(), "127.0.0.1" | "localhost")
                })
                .map(|(k, _)| k.clone())
                .collect();
            if local.is_empty() || comp.depends_on.is_empty() {
                continue;
            }
            let deps = comp.depends_on.clone();
            for key in local {
                let field = self
                    .env_fields
                    .get(&(c, key.clone()))
                    .cloned()
                    .unwrap_or_default();
                if let [only] = deps.as_slice() {
                    let host = format!("${{components.{only}.host}}");
                    self.d.m.components[c].env.insert(key.clone(), host.clone());
                    self.d.warn(
                        field,
                        format!("`{key}` pointed at Rainbond's local mesh address; set to `{host}`, the one dependency's address: check it"),
                    );
                } else {
                    self.d.warn(
                        field,
                        format!("`{key}` points at Rainbond's local mesh address, which souk does not provide; set it to `${{components.NAME.host}}` of one of {}", deps.join(", ")),
                    );
                }
            }
        }
    }
}

/// Does a variable with this name hold an address?
fn is_host_variable(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k == "HOST"
        || ["_HOST", "_HOSTNAME", "_ADDR", "_ADDRESS"]
            .iter()
            .any(|s| k.ends_with(s))
}
