//! The `app_config_groups`: env shared by several components.

use super::model::{is_empty_value, scalar_text};
use super::Convert;
use crate::import::component_like;
use crate::manifest::{ConfigGroup, Env};
use serde_json::Value;
use std::collections::BTreeSet;

impl Convert<'_> {
    pub(super) fn config_groups(&mut self) {
        let cfg = self.cfg;
        for (gi, g) in cfg.app_config_groups.iter().enumerate() {
            let at = self.f(format_args!("app_config_groups[{gi}]"));
            let raw_name = [&g.name.0, &g.config_group_name.0]
                .into_iter()
                .find(|s| !s.trim().is_empty())
                .cloned()
                .unwrap_or_default();
            let taken: BTreeSet<&str> = self
                .d
                .m
                .config_groups
                .iter()
                .map(|g| g.name.as_str())
                .collect();
            let name = component_like(&raw_name, "config", &taken);
            if !matches!(g.injection_type.0.trim(), "" | "env") {
                self.d.warn(
                    format!("{at}.injection_type"),
                    format!("injection `{}` is not carried over: souk config groups are environment variables", g.injection_type.0.trim()),
                );
            }
            let mut items: Vec<(String, String)> = Vec::new();
            match &g.config_items {
                Value::Object(o) => {
                    for (k, v) in o {
                        items.push((k.clone(), scalar_text(v)));
                    }
                }
                Value::Array(a) => {
                    for v in a {
                        let key = v.get("item_key").map(scalar_text).unwrap_or_default();
                        let value = v.get("item_value").map(scalar_text).unwrap_or_default();
                        items.push((key, value));
                    }
                }
                v if is_empty_value(v) => {}
                _ => self.d.warn(
                    format!("{at}.config_items"),
                    "expected a map of variables; left out",
                ),
            }
            let mut env = Env::new();
            let owner = format!("config group {name}");
            for (k, v) in items {
                let field = format!("{at}.config_items.{k}");
                if k.trim().is_empty() {
                    self.d.warn(field, "an item without a name; left out");
                    continue;
                }
                let key = self.d.env_name(k.trim(), &field);
                let value = self.value(&v, &owner, &key, &field);
                env.insert(key, value);
            }
            let mut keys: Vec<(String, String)> = g
                .component_keys
                .iter()
                .enumerate()
                .map(|(ki, k)| (format!("{at}.component_keys[{ki}]"), k.0.clone()))
                .collect();
            for (si, s) in g.services.iter().enumerate() {
                let key = match s {
                    Value::Object(o) => [
                        "service_share_uuid",
                        "service_key",
                        "service_id",
                        "service_cname",
                    ]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str))
                    .unwrap_or("")
                    .to_string(),
                    other => scalar_text(other),
                };
                keys.push((format!("{at}.services[{si}]"), key));
            }
            let mut components = Vec::new();
            for (field, key) in keys {
                match self.resolve(&key) {
                    Some(c) => {
                        let n = self.d.m.components[c].name.clone();
                        if !components.contains(&n) {
                            components.push(n);
                        }
                    }
                    None => self.d.warn(
                        field,
                        format!("`{key}` is not a component of this template (or was left out)"),
                    ),
                }
            }
            if components.is_empty() {
                self.d
                    .warn(at, "the group applies to no component; left out");
                continue;
            }
            self.d.m.config_groups.push(ConfigGroup {
                name,
                components,
                env,
            });
        }
    }
}
