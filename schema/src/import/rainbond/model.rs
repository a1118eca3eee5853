//! The template as Rainbond writes it, loosely typed (numbers as strings, `null` for none).

use crate::import::ImportError;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// What the console's app record adds around the template.
#[derive(Default)]
pub(super) struct Record {
    pub(super) app_name: String,
    pub(super) describe: String,
    pub(super) details: String,
    pub(super) pic: String,
}

/// The template object, the record around it and the field prefix of the template.
pub(super) fn unwrap(root: Value) -> Result<(Value, Record, &'static str), ImportError> {
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

pub(super) fn json_kind(v: &Value) -> String {
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
pub(super) fn strip_nulls(v: &mut Value) {
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
pub(super) struct Text(pub(super) String);

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
pub(super) struct Num(pub(super) i64);

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
pub(super) struct Flag(pub(super) bool);

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

pub(super) fn is_empty_value(v: &Value) -> bool {
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
pub(super) struct Config {
    pub(super) group_key: Text,
    pub(super) group_name: Text,
    pub(super) group_version: Text,
    pub(super) apps: Vec<App>,
    pub(super) plugins: Vec<RbPlugin>,
    pub(super) app_config_groups: Vec<RbConfigGroup>,
    pub(super) ingress_http_routes: Vec<RbHttpRoute>,
    pub(super) ingress_stream_routes: Vec<RbStreamRoute>,
    pub(super) annotations: Value,
    pub(super) k8s_resources: Vec<Value>,
    pub(super) governance_mode: Text,
    pub(super) helm_chart: Value,
    pub(super) platform_plugin: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct App {
    pub(super) service_id: Text,
    pub(super) service_key: Text,
    pub(super) service_share_uuid: Text,
    pub(super) service_cname: Text,
    pub(super) service_alias: Text,
    pub(super) service_source: Text,
    pub(super) image: Text,
    pub(super) share_image: Text,
    pub(super) service_image: ImageInfo,
    pub(super) extend_method: Text,
    pub(super) extend_method_map: ExtendMethod,
    pub(super) memory: Num,
    pub(super) cpu: Num,
    pub(super) container_cpu: Num,
    pub(super) gpu: Num,
    pub(super) container_gpu: Num,
    pub(super) cmd: Text,
    pub(super) probes: Vec<RbProbe>,
    pub(super) port_map_list: Vec<RbPort>,
    pub(super) service_env_map_list: Vec<RbEnv>,
    pub(super) service_connect_info_map_list: Vec<RbEnv>,
    pub(super) service_volume_map_list: Vec<RbVolume>,
    pub(super) dep_service_map_list: Vec<RbDep>,
    pub(super) mnt_relation_list: Vec<RbMount>,
    pub(super) service_related_plugin_config: Vec<RbPluginBinding>,
    pub(super) component_monitors: Value,
    pub(super) component_graphs: Value,
    pub(super) labels: Value,
    pub(super) component_k8s_attributes: Vec<Value>,
    pub(super) endpoints: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ImageInfo {
    pub(super) hub_url: Text,
    pub(super) hub_user: Text,
    pub(super) hub_password: Text,
}

impl ImageInfo {
    pub(super) fn has_credentials(&self) -> bool {
        !self.hub_user.0.trim().is_empty() || !self.hub_password.0.trim().is_empty()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ExtendMethod {
    pub(super) min_node: Num,
    pub(super) container_cpu: Num,
    pub(super) init_memory: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbProbe {
    pub(super) mode: Text,
    pub(super) scheme: Text,
    pub(super) path: Text,
    pub(super) cmd: Text,
    pub(super) http_header: Text,
    pub(super) port: Num,
    pub(super) is_used: Option<Flag>,
    pub(super) initial_delay_second: Num,
    pub(super) period_second: Num,
    pub(super) timeout_second: Num,
    pub(super) failure_threshold: Num,
    pub(super) success_threshold: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbPort {
    pub(super) container_port: Num,
    pub(super) protocol: Text,
    pub(super) name: Text,
    pub(super) is_outer_service: Flag,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbEnv {
    pub(super) attr_name: Text,
    pub(super) attr_value: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbVolume {
    pub(super) volume_name: Text,
    pub(super) volume_path: Text,
    pub(super) volume_type: Text,
    pub(super) file_content: Text,
    pub(super) volume_capacity: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbDep {
    pub(super) dep_service_key: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbMount {
    pub(super) mnt_name: Text,
    pub(super) mnt_dir: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbPluginBinding {
    pub(super) plugin_id: Text,
    pub(super) plugin_key: Text,
    pub(super) plugin_status: Option<Flag>,
    pub(super) memory_required: Num,
    pub(super) cpu_required: Num,
    pub(super) attr: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbPlugin {
    pub(super) plugin_id: Text,
    pub(super) plugin_key: Text,
    pub(super) plugin_name: Text,
    pub(super) category: Text,
    pub(super) image: Text,
    pub(super) share_image: Text,
    pub(super) plugin_image: ImageInfo,
    pub(super) config_groups: Vec<RbPluginConfigGroup>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbPluginConfigGroup {
    pub(super) options: Vec<RbPluginOption>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbPluginOption {
    pub(super) attr_name: Text,
    pub(super) attr_default_value: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbConfigGroup {
    pub(super) name: Text,
    pub(super) config_group_name: Text,
    pub(super) injection_type: Text,
    pub(super) config_items: Value,
    pub(super) component_keys: Vec<Text>,
    pub(super) services: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbHttpRoute {
    pub(super) component_key: Text,
    pub(super) port: Num,
    pub(super) location: Text,
    pub(super) domain: Text,
    pub(super) domain_name: Text,
    pub(super) default_domain: Option<Flag>,
    pub(super) ssl: Flag,
    pub(super) websocket: Flag,
    pub(super) proxy_buffer: Flag,
    pub(super) load_balancing: Text,
    pub(super) cookies: Value,
    pub(super) headers: Value,
    pub(super) proxy_header: Value,
    pub(super) connection_timeout: Num,
    pub(super) request_timeout: Num,
    pub(super) response_timeout: Num,
    pub(super) request_body_size_limit: Num,
    pub(super) proxy_buffer_size: Num,
    pub(super) proxy_buffer_numbers: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RbStreamRoute {
    pub(super) component_key: Text,
    pub(super) port: Num,
    pub(super) protocol: Text,
    pub(super) connection_timeout: Num,
}

pub(super) fn positive(n: Num) -> Option<u32> {
    u32::try_from(n.0).ok().filter(|n| *n > 0)
}

pub(super) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
