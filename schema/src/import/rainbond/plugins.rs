//! The `plugins` of the template and each component's plugin bindings.

use super::model::RbPluginBinding;
use super::Convert;
use crate::import::{component_like, slug};
use crate::manifest::{Env, Plugin, PluginKind, PluginRef};
use crate::validate::is_image_reference;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

impl Convert<'_> {
    pub(super) fn plugins(&mut self) {
        let cfg = self.cfg;
        for (pi, p) in cfg.plugins.iter().enumerate() {
            let at = self.f(format_args!("plugins[{pi}]"));
            let share = p.share_image.0.trim();
            let image = p.image.0.trim();
            let Some(chosen) = [share, image].into_iter().find(|s| is_image_reference(s)) else {
                self.d.warn(
                    at,
                    format!("the plugin has no usable image (`share_image` `{share}`, `image` `{image}`); left out"),
                );
                continue;
            };
            let taken: BTreeSet<&str> = self.d.m.plugins.iter().map(|p| p.name.as_str()).collect();
            let name = component_like(
                [&p.plugin_key.0, &p.plugin_name.0]
                    .into_iter()
                    .find(|s| !slug(s).is_empty())
                    .map_or("plugin", String::as_str),
                "plugin",
                &taken,
            );
            let category = p.category.0.trim();
            let kind = if category.starts_with("init") {
                PluginKind::Init
            } else {
                PluginKind::Sidecar
            };
            if category.starts_with("net-plugin") || category.starts_with("analyst-plugin") {
                self.d.warn(
                    format!("{at}.category"),
                    format!("plugins of category `{category}` work with Rainbond's own platform services; check that `{name}` runs without them"),
                );
            }
            self.pull_warnings(
                (format!("{at}.image"), chosen),
                "",
                (format!("{at}.plugin_image"), &p.plugin_image),
            );
            let mut env = Env::new();
            let owner = format!("plugin {name}");
            for (gi, g) in p.config_groups.iter().enumerate() {
                for (oi, o) in g.options.iter().enumerate() {
                    let field = format!("{at}.config_groups[{gi}].options[{oi}]");
                    let raw = o.attr_name.0.trim();
                    if raw.is_empty() {
                        continue;
                    }
                    let key = self.d.env_name(raw, &field);
                    let value = self.value(&o.attr_default_value.0, &owner, &key, &field);
                    env.insert(key, value);
                }
            }
            for k in [&p.plugin_id, &p.plugin_key] {
                if !k.0.is_empty() {
                    self.plugin_names
                        .entry(k.0.as_str())
                        .or_insert(name.clone());
                }
            }
            self.d.m.plugins.push(Plugin {
                name,
                kind,
                image: chosen.to_string(),
                command: vec![],
                args: vec![],
                env,
                ports: vec![],
            });
        }
        for (i, app) in cfg.apps.iter().enumerate() {
            let Some(c) = self.comp[i] else { continue };
            for (bi, b) in app.service_related_plugin_config.iter().enumerate() {
                self.bind_plugin(i, c, bi, b);
            }
        }
    }

    fn bind_plugin(&mut self, i: usize, c: usize, bi: usize, b: &RbPluginBinding) {
        let field = self.f(format_args!(
            "apps[{i}].service_related_plugin_config[{bi}]"
        ));
        let Some(name) = [&b.plugin_id, &b.plugin_key]
            .into_iter()
            .find_map(|k| self.plugin_names.get(k.0.as_str()))
            .cloned()
        else {
            self.d.warn(
                field,
                format!(
                    "plugin `{}` is not among the template's usable `plugins`; not attached",
                    b.plugin_key.0
                ),
            );
            return;
        };
        if b.plugin_status.is_some_and(|s| !s.0) {
            self.d.warn(
                field,
                "the plugin is turned off for this component; not attached",
            );
            return;
        }
        if self.d.m.components[c]
            .plugins
            .iter()
            .any(|p| p.name == name)
        {
            self.d.warn(
                field,
                format!("plugin `{name}` is attached twice; once is kept"),
            );
            return;
        }
        if b.memory_required.0 > 0 || b.cpu_required.0 > 0 {
            self.d.warn(
                &field,
                format!(
                    "the plugin's own resources (memory {} MiB, CPU {}m) are not carried over",
                    b.memory_required.0, b.cpu_required.0
                ),
            );
        }
        // Settings per port or per dependency, which Rainbond serves through its
        // discovery service; souk has plugin env per component.
        let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut ports = BTreeSet::new();
        for a in &b.attr {
            let port = a.get("container_port").and_then(Value::as_i64).unwrap_or(0);
            if port > 0 {
                ports.insert(port);
            }
            let attrs = match a.get("attrs") {
                Some(Value::String(s)) => serde_json::from_str::<Value>(s).unwrap_or(Value::Null),
                Some(v) => v.clone(),
                None => match (a.get("attr_name"), a.get("attr_value")) {
                    (Some(Value::String(k)), Some(v)) => {
                        serde_json::json!({ k.clone(): v.clone() })
                    }
                    _ => Value::Null,
                },
            };
            if let Value::Object(o) = attrs {
                for (k, v) in o {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    values.entry(k).or_default().insert(v);
                }
            }
        }
        let attr_field = format!("{field}.attr");
        let defaults = self
            .d
            .m
            .plugins
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.env.clone())
            .unwrap_or_default();
        let mut env = Env::new();
        let mut settings = Vec::new();
        for (k, vs) in values {
            let key = self.d.env_name(&k, &attr_field);
            let first = vs.iter().next().cloned().unwrap_or_default();
            if vs.len() > 1 {
                self.d.warn(
                    &attr_field,
                    format!(
                        "`{key}` differs per port ({}); souk sets a plugin's env per component, `{first}` is used",
                        vs.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            let owner = format!("plugin {name}");
            let value = self.value(&first, &owner, &key, &attr_field);
            settings.push(format!("{key}={value}"));
            if defaults.get(&key) != Some(&value) {
                env.insert(key, value);
            }
        }
        if !ports.is_empty() {
            self.d.warn(
                attr_field,
                format!(
                    "Rainbond configured this plugin per port ({}) through its discovery service; souk gives the plugin its settings as env ({})",
                    ports.iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
                    settings.join(", ")
                ),
            );
        }
        self.d.m.components[c].plugins.push(PluginRef { name, env });
    }
}
