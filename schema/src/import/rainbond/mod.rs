//! Rainbond application templates → souk templates.
//!
//! Reads the `RainbondApplicationConfig` a Rainbond console exports (bare, or in
//! the console's app record under `version_template`). Rainbond writes its JSON
//! loosely (numbers as strings, `null` for empty lists), so its `model`
//! accepts both and ignores fields that carry nothing for souk (ids, tenants,
//! build dates); everything with a meaning that cannot be carried over is named
//! in a warning.

mod components;
mod config_groups;
mod dependencies;
mod ingress;
mod model;
mod plugins;

use super::{param_name, short_name, slug, Draft, ImportError, Imported};
use crate::manifest::Protocol;
use model::{is_empty_value, scalar_text, strip_nulls, unwrap, Config, ImageInfo, RbEnv, Record};
use serde_json::Value;
use std::collections::HashMap;

/// How to import a Rainbond template.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The template's namespace (default `imported`).
    pub namespace: Option<String>,
}

/// Import a Rainbond application template (JSON).
pub fn import(json: &str, opts: &Options) -> Result<Imported, ImportError> {
    let namespace = super::namespace(opts.namespace.as_deref())?;
    let root: Value = serde_json::from_str(json).map_err(|e| {
        let message = e.to_string();
        let message = match message.rsplit_once(" at line ") {
            Some((m, _)) => m.to_string(),
            None => message,
        };
        ImportError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let (mut inner, record, at) = unwrap(root)?;
    strip_nulls(&mut inner);
    let cfg: Config =
        serde_path_to_error::deserialize(inner).map_err(|e| ImportError::Invalid {
            field: format!("{at}{}", e.path()),
            message: e.inner().to_string(),
        })?;
    if cfg.apps.is_empty() {
        return Err(ImportError::Invalid {
            field: format!("{at}apps"),
            message: "the template has no components".into(),
        });
    }
    Convert::new(&cfg, &record, at, &namespace).run()
}

/// The value the Rainbond installer replaces with a generated secret.
const GENERATED: &str = "**None**";

struct Convert<'a> {
    cfg: &'a Config,
    record: &'a Record,
    /// Prefix of every field path: the template's place in the file.
    at: &'static str,
    d: Draft,
    /// App index → component index, for the apps that became components.
    comp: Vec<Option<usize>>,
    /// `service_share_uuid`, `service_key`, `service_id`, then names → app index.
    keys: HashMap<&'a str, usize>,
    /// (owner, variable) → the secret parameter standing for a generated value.
    generated: HashMap<(String, String), String>,
    /// `plugin_id` and `plugin_key` → plugin name.
    plugin_names: HashMap<&'a str, String>,
    /// Ports with `is_outer_service`: (component, port, protocol).
    outer: Vec<(usize, u32, Protocol)>,
    /// (component, env name) → the source field that set it.
    env_fields: HashMap<(usize, String), String>,
}

impl<'a> Convert<'a> {
    fn new(cfg: &'a Config, record: &'a Record, at: &'static str, namespace: &str) -> Self {
        let group_name = cfg.group_name.0.trim();
        // A name in another script has no slug: fall back on the template's key.
        let short = short_name(group_name).unwrap_or_else(|| {
            let key: String = slug(&cfg.group_key.0).chars().take(8).collect();
            short_name(&format!("app-{key}")).expect("`app` is a name")
        });
        let raw_version = cfg.group_version.0.trim();
        let version = super::semver_from(raw_version);
        let title = [group_name, record.app_name.trim()]
            .into_iter()
            .find(|t| !t.is_empty())
            .unwrap_or(&short)
            .to_string();
        let summary = if record.describe.trim().is_empty() {
            format!(
                "{title}, imported from a Rainbond application template with {} component{}.",
                cfg.apps.len(),
                if cfg.apps.len() == 1 { "" } else { "s" }
            )
        } else {
            record.describe.clone()
        };
        let mut d = Draft::new(
            format!("{namespace}/{short}"),
            version.clone().unwrap_or_else(|| "0.1.0".into()),
            &title,
            &summary,
        );
        if version.is_none() {
            d.warn(
                format!("{at}group_version"),
                if raw_version.is_empty() {
                    "no version; the template starts at 0.1.0".to_string()
                } else {
                    format!("`{raw_version}` cannot be read as a semantic version; the template starts at 0.1.0")
                },
            );
        }
        Convert {
            cfg,
            record,
            at,
            d,
            comp: vec![],
            keys: HashMap::new(),
            generated: HashMap::new(),
            plugin_names: HashMap::new(),
            outer: vec![],
            env_fields: HashMap::new(),
        }
    }

    /// A field path in the source.
    fn f(&self, rest: impl std::fmt::Display) -> String {
        format!("{}{rest}", self.at)
    }

    fn run(mut self) -> Result<Imported, ImportError> {
        self.record_fields();
        self.components();
        if self.d.m.components.is_empty() {
            return Err(ImportError::Invalid {
                field: self.f("apps"),
                message: "no component has an image souk can use".into(),
            });
        }
        self.dependencies();
        self.connection_info();
        self.mesh_addresses();
        self.plugins();
        self.config_groups();
        self.ingress();
        self.leftovers();
        let fields: HashMap<String, String> = self
            .comp
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.map(|c| (i, c)))
            .map(|(i, c)| {
                (
                    self.d.m.components[c].name.clone(),
                    self.f(format_args!("apps[{i}].dep_service_map_list")),
                )
            })
            .collect();
        self.d.break_cycles(&|name| fields[name].clone());
        let source = format!(
            "the Rainbond application template `{}` {}",
            self.cfg.group_name.0.trim(),
            self.cfg.group_version.0.trim()
        );
        self.d.finish("rainbond", &source)
    }

    /// The console record's description, details and picture.
    fn record_fields(&mut self) {
        let details = self.record.details.trim();
        if !details.is_empty() {
            let path = self
                .d
                .add_file("README.md", format!("{details}\n").into_bytes());
            self.d.m.readme = Some(path);
        }
        if !self.record.pic.trim().is_empty() {
            self.d.warn(
                "pic",
                format!(
                    "the icon `{}` is a file on the Rainbond console; add it to the package and name it in `icon`",
                    self.record.pic.trim()
                ),
            );
        }
    }

    /// The env name of a Rainbond variable, or `None` with a warning at `field`
    /// when it has no `attr_name`.
    fn env_key(&mut self, e: &RbEnv, field: &str) -> Option<String> {
        let raw = e.attr_name.0.trim();
        if raw.is_empty() {
            self.d
                .warn(field, "no `attr_name`; the variable is left out");
            return None;
        }
        Some(self.d.env_name(raw, field))
    }

    /// The souk text for a Rainbond value: a secret parameter for a generated
    /// one, else the value with `${` kept literal.
    fn value(&mut self, raw: &str, owner: &str, key: &str, field: &str) -> String {
        if raw.trim() == GENERATED {
            let param = self.generated_secret(owner, key);
            return format!("${{params.{param}}}");
        }
        self.d.literal(
            raw,
            field,
            "the value holds `${…}`, Rainbond's variable syntax, which souk would read as its own reference; written as literal text",
        )
    }

    fn generated_secret(&mut self, owner: &str, key: &str) -> String {
        let id = (owner.to_string(), key.to_string());
        if let Some(p) = self.generated.get(&id) {
            return p.clone();
        }
        let base = param_name(key);
        let wanted = if self.d.has_param(&base) {
            param_name(&format!("{owner}_{key}"))
        } else {
            base
        };
        let name = self.d.add_secret_param(
            wanted,
            key,
            format!("`{key}` of `{owner}`, which the Rainbond installer generated (`{GENERATED}`)"),
        );
        self.generated.insert(id, name.clone());
        name
    }

    /// The component a Rainbond key names (share uuid, service key or id, name).
    fn resolve(&self, key: &str) -> Option<usize> {
        let key = key.trim();
        let app = self.keys.get(key).copied().or_else(|| {
            key.split('+')
                .filter(|k| !k.is_empty())
                .find_map(|k| self.keys.get(k).copied())
        })?;
        self.comp[app]
    }

    /// Warn about what keeps sites from pulling an image (`field`, `image`):
    /// Rainbond's in-cluster registry (`advice` says what to do), and registry
    /// credentials (`info` at its field), which are never carried over.
    fn pull_warnings(
        &mut self,
        (field, image): (String, &str),
        advice: &str,
        (info_field, info): (String, &ImageInfo),
    ) {
        if image.starts_with("goodrain.me/") {
            self.d.warn(
                field,
                format!("`{image}` is in `goodrain.me`, the registry inside a Rainbond cluster, which sites cannot pull from{advice}"),
            );
        }
        if info.has_credentials() {
            let hub = info.hub_url.0.trim();
            self.d.warn(
                info_field,
                format!(
                    "registry credentials are never carried over; give sites access to {} another way",
                    if hub.is_empty() {
                        "the registry".to_string()
                    } else {
                        format!("`{hub}`")
                    }
                ),
            );
        }
    }

    /// Whatever else the template holds that souk has no place for.
    fn leftovers(&mut self) {
        let cfg = self.cfg;
        for (i, app) in cfg.apps.iter().enumerate() {
            if self.comp[i].is_none() {
                continue;
            }
            let at = self.f(format_args!("apps[{i}]"));
            for (field, value, reason) in [
                ("component_monitors", &app.component_monitors, "metrics monitors are not part of a souk template; attach an exporter plugin instead"),
                ("component_graphs", &app.component_graphs, "monitoring graphs are not part of a souk template"),
                ("labels", &app.labels, "component labels are not carried over"),
                ("endpoints", &app.endpoints, "endpoints of a third-party component are not carried over"),
            ] {
                if !is_empty_value(value) {
                    self.d.warn(format!("{at}.{field}"), reason);
                }
            }
            for (ki, k) in app.component_k8s_attributes.iter().enumerate() {
                let name = k.get("name").map(scalar_text).unwrap_or_default();
                self.d.warn(
                    format!("{at}.component_k8s_attributes[{ki}]"),
                    format!("the Kubernetes attribute `{name}` is not carried over"),
                );
            }
        }
        if !is_empty_value(&cfg.annotations) {
            self.d
                .warn(self.f("annotations"), "annotations are not carried over");
        }
        for (ki, k) in cfg.k8s_resources.iter().enumerate() {
            let kind = k.get("kind").map(scalar_text).unwrap_or_default();
            let name = k.get("name").map(scalar_text).unwrap_or_default();
            self.d.warn(
                self.f(format_args!("k8s_resources[{ki}]")),
                format!("the Kubernetes resource `{kind}/{name}` is not part of a souk template"),
            );
        }
        let mode = cfg.governance_mode.0.trim();
        if !mode.is_empty() {
            self.d.warn(
                self.f("governance_mode"),
                format!("`{mode}`: souk has no service mesh; components reach each other at `${{components.NAME.host}}`"),
            );
        }
        if !is_empty_value(&cfg.helm_chart) {
            self.d
                .warn(self.f("helm_chart"), "the Helm chart is not carried over");
        }
        if !is_empty_value(&cfg.platform_plugin) {
            self.d.warn(
                self.f("platform_plugin"),
                "Rainbond platform plugins are not part of a souk template",
            );
        }
    }
}
