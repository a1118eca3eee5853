//! Rainbond application templates → souk templates.
//!
//! Reads the `RainbondApplicationConfig` a Rainbond console exports (bare, or in
//! the console's app record under `version_template`). Rainbond writes its JSON
//! loosely (numbers as strings, `null` for empty lists), so the model below
//! accepts both and ignores fields that carry nothing for souk (ids, tenants,
//! build dates); everything with a meaning that cannot be carried over is named
//! in a warning.

use super::{
    binary_quantity, component_like, escape, name_ports, new_component, param_name, port_ref,
    short_name, slug, Draft, ImportError, Imported,
};
use crate::manifest::{
    ConfigFile, ConfigGroup, Env, ExecProbe, HttpProbe, HttpRoute, ParamType, Parameter, Plugin,
    PluginKind, PluginRef, PortRef, Probe, Protocol, Quantity, Resources, StreamRoute, TcpProbe,
    Volume,
};
use crate::validate::is_image_reference;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// What the console's app record adds around the template.
#[derive(Default)]
struct Record {
    app_name: String,
    describe: String,
    details: String,
    pic: String,
}

/// The template object, the record around it and the field prefix of the template.
fn unwrap(root: Value) -> Result<(Value, Record, &'static str), ImportError> {
    let wrong = |reason: String| ImportError::WrongKind {
        expected: "Rainbond application template",
        reason,
    };
    let Value::Object(mut obj) = root else {
        return Err(wrong(format!(
            "expected a JSON object, found {}",
            json_kind(&root)
        )));
    };
    if obj.contains_key("apps") {
        return Ok((Value::Object(obj), Record::default(), ""));
    }
    for (key, prefix) in [
        ("version_template", "version_template."),
        ("app_template", "app_template."),
    ] {
        let Some(wrapped) = obj.remove(key) else {
            continue;
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let record = Record {
            app_name: text("app_name"),
            describe: text("describe"),
            details: text("details"),
            pic: text("pic"),
        };
        let inner = match wrapped {
            Value::String(s) => serde_json::from_str(&s).map_err(|e| ImportError::Invalid {
                field: key.into(),
                message: format!("holds a string that is not valid JSON: {e}"),
            })?,
            other => other,
        };
        return match inner {
            Value::Object(o) if o.contains_key("apps") => Ok((Value::Object(o), record, prefix)),
            other => Err(wrong(format!(
                "`{key}` should hold a template with `apps`, found {}",
                json_kind(&other)
            ))),
        };
    }
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).take(12).collect();
    if obj.len() > keys.len() {
        keys.push("…");
    }
    Err(wrong(format!(
        "expected the keys `group_key`, `group_name`, `group_version`, `template_version` and `apps` of a `RainbondApplicationConfig`, or a console app record with `version_template`; found {}",
        if keys.is_empty() {
            "an empty object".to_string()
        } else {
            format!("`{}`", keys.join("`, `"))
        }
    )))
}

fn json_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Rainbond writes `null` where it means "none"; treat it as an absent field.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|_, v| !v.is_null());
            o.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Text that Rainbond may write as a string, a number or a boolean.
#[derive(Debug, Clone, Default)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Text(s)),
            Value::Number(n) => Ok(Text(n.to_string())),
            Value::Bool(b) => Ok(Text(b.to_string())),
            Value::Null => Ok(Text::default()),
            other => Err(serde::de::Error::custom(format!(
                "expected text, found {}",
                json_kind(&other)
            ))),
        }
    }
}

/// A whole number that Rainbond may write as a number or a numeric string.
#[derive(Debug, Clone, Copy, Default)]
struct Num(i64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bad = |v: &Value| {
            serde::de::Error::custom(format!("expected a number, found {}", json_kind(v)))
        };
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f.round() as i64))
                .map(Num)
                .ok_or_else(|| bad(&Value::Number(n))),
            Value::String(s) if s.trim().is_empty() => Ok(Num(0)),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(|f| Num(f.round() as i64))
                .map_err(|_| serde::de::Error::custom(format!("expected a number, found `{s}`"))),
            Value::Bool(b) => Ok(Num(b.into())),
            Value::Null => Ok(Num(0)),
            other => Err(bad(&other)),
        }
    }
}

/// A flag that Rainbond may write as a boolean, a number or a string.
#[derive(Debug, Clone, Copy, Default)]
struct Flag(bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Flag(match Value::deserialize(d)? {
            Value::Bool(b) => b,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => matches!(s.trim(), "true" | "True" | "1" | "yes"),
            _ => false,
        }))
    }
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    group_key: Text,
    group_name: Text,
    group_version: Text,
    apps: Vec<App>,
    plugins: Vec<RbPlugin>,
    app_config_groups: Vec<RbConfigGroup>,
    ingress_http_routes: Vec<RbHttpRoute>,
    ingress_stream_routes: Vec<RbStreamRoute>,
    annotations: Value,
    k8s_resources: Vec<Value>,
    governance_mode: Text,
    helm_chart: Value,
    platform_plugin: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct App {
    service_id: Text,
    service_key: Text,
    service_share_uuid: Text,
    service_cname: Text,
    service_alias: Text,
    service_source: Text,
    image: Text,
    share_image: Text,
    service_image: ImageInfo,
    extend_method: Text,
    extend_method_map: ExtendMethod,
    memory: Num,
    cpu: Num,
    container_cpu: Num,
    gpu: Num,
    container_gpu: Num,
    cmd: Text,
    probes: Vec<RbProbe>,
    port_map_list: Vec<RbPort>,
    service_env_map_list: Vec<RbEnv>,
    service_connect_info_map_list: Vec<RbEnv>,
    service_volume_map_list: Vec<RbVolume>,
    dep_service_map_list: Vec<RbDep>,
    mnt_relation_list: Vec<RbMount>,
    service_related_plugin_config: Vec<RbPluginBinding>,
    component_monitors: Value,
    component_graphs: Value,
    labels: Value,
    component_k8s_attributes: Vec<Value>,
    endpoints: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ImageInfo {
    hub_url: Text,
    hub_user: Text,
    hub_password: Text,
}

impl ImageInfo {
    fn has_credentials(&self) -> bool {
        !self.hub_user.0.trim().is_empty() || !self.hub_password.0.trim().is_empty()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExtendMethod {
    min_node: Num,
    container_cpu: Num,
    init_memory: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbProbe {
    mode: Text,
    scheme: Text,
    path: Text,
    cmd: Text,
    http_header: Text,
    port: Num,
    is_used: Option<Flag>,
    initial_delay_second: Num,
    period_second: Num,
    timeout_second: Num,
    failure_threshold: Num,
    success_threshold: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbPort {
    container_port: Num,
    protocol: Text,
    name: Text,
    is_outer_service: Flag,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbEnv {
    attr_name: Text,
    attr_value: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbVolume {
    volume_name: Text,
    volume_path: Text,
    volume_type: Text,
    file_content: Text,
    volume_capacity: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbDep {
    dep_service_key: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbMount {
    mnt_name: Text,
    mnt_dir: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbPluginBinding {
    plugin_id: Text,
    plugin_key: Text,
    plugin_status: Option<Flag>,
    memory_required: Num,
    cpu_required: Num,
    attr: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbPlugin {
    plugin_id: Text,
    plugin_key: Text,
    plugin_name: Text,
    category: Text,
    image: Text,
    share_image: Text,
    plugin_image: ImageInfo,
    config_groups: Vec<RbPluginConfigGroup>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbPluginConfigGroup {
    options: Vec<RbPluginOption>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbPluginOption {
    attr_name: Text,
    attr_default_value: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbConfigGroup {
    name: Text,
    config_group_name: Text,
    injection_type: Text,
    config_items: Value,
    component_keys: Vec<Text>,
    services: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbHttpRoute {
    component_key: Text,
    port: Num,
    location: Text,
    domain: Text,
    domain_name: Text,
    default_domain: Option<Flag>,
    ssl: Flag,
    websocket: Flag,
    proxy_buffer: Flag,
    load_balancing: Text,
    cookies: Value,
    headers: Value,
    proxy_header: Value,
    connection_timeout: Num,
    request_timeout: Num,
    response_timeout: Num,
    request_body_size_limit: Num,
    proxy_buffer_size: Num,
    proxy_buffer_numbers: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RbStreamRoute {
    component_key: Text,
    port: Num,
    protocol: Text,
    connection_timeout: Num,
}

/// The value the Rainbond installer replaces with a generated secret.
const GENERATED: &str = "**None**";

/// An HTTP route before its host is chosen.
struct PendingRoute {
    component: usize,
    port: u32,
    path: String,
    host: Option<String>,
}

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

    fn components(&mut self) {
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
        if chosen.starts_with("goodrain.me/") {
            self.d.warn(
                format!("{at}.{field}"),
                format!("`{chosen}` is in `goodrain.me`, the registry inside a Rainbond cluster, which sites cannot pull from; push the image to a registry they can reach"),
            );
        }
        if app.service_image.has_credentials() {
            self.d.warn(
                format!("{at}.service_image"),
                registry_credentials(&app.service_image),
            );
        }
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
        .map(|m| Quantity(format!("{m}m")));
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
            let raw = e.attr_name.0.trim();
            if raw.is_empty() {
                self.d
                    .warn(field, "no `attr_name`; the variable is left out");
                continue;
            }
            let key = self.d.env_name(raw, &field);
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
    fn command_words(&mut self, cmd: &str, field: &str) -> Vec<String> {
        let cmd = cmd.trim();
        if cmd.is_empty() {
            return vec![];
        }
        let words = super::shell::split(cmd).unwrap_or_else(|e| {
            self.d.warn(field, format!("{e}; split at spaces"));
            cmd.split_whitespace().map(str::to_string).collect()
        });
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
            let Some(port) = u32::try_from(n).ok().filter(|n| (1..=65535).contains(n)) else {
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
            let label = [p.name.0.as_str(), raw.as_str()]
                .into_iter()
                .map(slug)
                .find(|s| s.starts_with(|c: char| c.is_ascii_lowercase()))
                .unwrap_or_else(|| protocol.as_str().to_string());
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
            if !path.starts_with('/') || path.split('/').any(|s| s == "..") {
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
                let content = &v.file_content.0;
                if content.contains("${") {
                    self.d.warn(
                        &field,
                        "the file holds `${…}`, which Rainbond filled from the component's environment and souk would read as its own reference; written as literal text",
                    );
                }
                let source = self.d.add_file(
                    &format!("files/{name}/{file}"),
                    escape(content).into_bytes(),
                );
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
            let taken: BTreeSet<&str> = self.d.m.components[c]
                .volumes
                .iter()
                .map(|v| v.name.as_str())
                .collect();
            let vname = component_like(&v.volume_name.0, "data", &taken);
            let size = u64::try_from(v.volume_capacity.0)
                .ok()
                .filter(|g| *g > 0)
                .map(|g| Quantity(format!("{g}Gi")));
            self.d.m.components[c].volumes.push(Volume {
                name: vname,
                path,
                size,
            });
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
        let Some(n) = u32::try_from(n).ok().filter(|n| (1..=65535).contains(n)) else {
            self.d
                .warn(field, format!("`{n}` is not a port number; left out"));
            return None;
        };
        Some(port_ref(&self.d.m.components[c], n))
    }

    /// The souk text for a Rainbond value: a secret parameter for a generated
    /// one, else the value with `${` kept literal.
    fn value(&mut self, raw: &str, owner: &str, key: &str, field: &str) -> String {
        if raw.trim() == GENERATED {
            let param = self.generated_secret(owner, key);
            return format!("${{params.{param}}}");
        }
        if raw.contains("${") {
            self.d.warn(
                field,
                "the value holds `${…}`, Rainbond's variable syntax, which souk would read as its own reference; written as literal text",
            );
        }
        escape(raw)
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
        let name = self.d.add_param(Parameter {
            name: wanted,
            title: Some(key.to_string()),
            description: Some(format!(
                "`{key}` of `{owner}`, which the Rainbond installer generated (`{GENERATED}`)"
            )),
            kind: ParamType::Secret,
            default: None,
            required: true,
            pattern: None,
            min: None,
            max: None,
            options: vec![],
        });
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

    fn dependencies(&mut self) {
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
    fn connection_info(&mut self) {
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
                let raw = e.attr_name.0.trim();
                if raw.is_empty() {
                    self.d
                        .warn(field, "no `attr_name`; the variable is left out");
                    continue;
                }
                let key = self.d.env_name(raw, &field);
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
    fn mesh_addresses(&mut self) {
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

    fn plugins(&mut self) {
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
            if chosen.starts_with("goodrain.me/") {
                self.d.warn(
                    format!("{at}.image"),
                    format!("`{chosen}` is in `goodrain.me`, the registry inside a Rainbond cluster, which sites cannot pull from"),
                );
            }
            if p.plugin_image.has_credentials() {
                self.d.warn(
                    format!("{at}.plugin_image"),
                    registry_credentials(&p.plugin_image),
                );
            }
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

    fn config_groups(&mut self) {
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

    /// The component and port a route names, or a warning at `at` and `None`.
    fn route_target(&mut self, at: &str, key: &Text, port: &Num) -> Option<(usize, u32)> {
        let Some(c) = self.resolve(&key.0) else {
            self.d.warn(
                at,
                format!("`{}` is not a component of this template (or was left out); the route is left out", key.0),
            );
            return None;
        };
        let Some(port) = u32::try_from(port.0)
            .ok()
            .filter(|p| (1..=65535).contains(p))
        else {
            self.d.warn(
                at,
                format!("`{}` is not a port number; the route is left out", port.0),
            );
            return None;
        };
        Some((c, port))
    }

    fn ingress(&mut self) {
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
                None if several => self.d.generated_host(&format!("{component}-{}", r.port)),
                None => self.d.generated_host(&component),
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
            let target_port = port_ref(comp, port);
            let component = comp.name.clone();
            let gateway = self.d.free_stream_port(port, protocol);
            self.d.warn(
                at,
                format!("Rainbond chose the gateway port at install; souk opens {gateway} on the site's gateway for `{component}` port {port}"),
            );
            self.d.m.ingress.stream.push(StreamRoute {
                port: gateway,
                protocol: Some(protocol),
                component,
                target_port,
            });
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

fn registry_credentials(info: &ImageInfo) -> String {
    let hub = info.hub_url.0.trim();
    format!(
        "registry credentials are never carried over; give sites access to {} another way",
        if hub.is_empty() {
            "the registry".to_string()
        } else {
            format!("`{hub}`")
        }
    )
}

fn positive(n: Num) -> Option<u32> {
    u32::try_from(n.0).ok().filter(|n| *n > 0)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
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
