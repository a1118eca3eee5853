//! The manifest `souk.yaml` as written by a vendor: format v1 of
//! `template-format.md`. Fields are raw (strings, numbers) so that validation can
//! report every problem at once with its path; [`crate::validate`] turns a
//! `Manifest` into a [`crate::Template`].

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// `apiVersion` of format v1.
pub const API_VERSION: &str = "souk/v1";
/// `kind` of a template manifest.
pub const KIND: &str = "Template";
/// The manifest's file name at the root of a template folder or package.
pub const MANIFEST_FILE: &str = "souk.yaml";

/// Environment variables: name → value. Numbers and booleans written in YAML are
/// taken as their text (`PORT: 3306` means `"3306"`).
pub type Env = BTreeMap<String, String>;

/// A souk application template (format v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "souk template v1")]
pub struct Manifest {
    /// Always `souk/v1`.
    pub api_version: String,
    /// Always `Template`.
    pub kind: String,
    /// `namespace/name`, each `[a-z0-9][a-z0-9-]{0,62}`.
    pub name: String,
    /// Semantic version 2.0 (build metadata is rejected).
    pub version: String,
    /// Display name, any language.
    pub title: String,
    /// One or two sentences shown in search results.
    pub summary: String,
    /// A category slug the registry knows (`iot`, `logistics`, `mes`, …).
    pub category: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// SPDX license expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Maintainer>,
    /// A png or svg file in the package, at most 256 KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// A markdown file in the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
    /// A markdown file in the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Requires>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
    /// What the customer answers at install time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// Environment shared by several components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_groups: Vec<ConfigGroup>,
    /// Operations capabilities (exporters, log collectors) attached to components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<Plugin>,
    pub components: Vec<Component>,
    #[serde(default, skip_serializing_if = "Ingress::is_empty")]
    pub ingress: Ingress,
    /// Data upgrades run by the agent during an upgrade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrations: Vec<Migration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Maintainer {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// Agents older than this requirement refuse to install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    /// Installed versions that may upgrade straight to this one (default: any older).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Integer,
    Boolean,
    Secret,
    Enum,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Boolean => "boolean",
            ParamType::Secret => "secret",
            ParamType::Enum => "enum",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Parameter {
    /// `[a-z][a-z0-9_]*`
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: ParamType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub required: bool,
    /// A regular expression the value must match (string and secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Lower bound (integer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Upper bound (integer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The allowed values (enum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigGroup {
    pub name: String,
    /// The components that receive this environment.
    pub components: Vec<String>,
    #[serde(default, deserialize_with = "env_map")]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub env: Env,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    /// Runs beside the component, sharing its network.
    Sidecar,
    /// Runs to completion before the component starts.
    Init,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plugin {
    pub name: String,
    pub kind: PluginKind,
    pub image: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(
        default,
        deserialize_with = "env_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub env: Env,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    /// `[a-z][a-z0-9-]{0,62}`, unique in the template.
    pub name: String,
    /// An image reference; a digest pin (`@sha256:…`) is allowed.
    pub image: String,
    /// Stateful components keep a stable identity and their volumes.
    #[serde(default)]
    pub stateful: bool,
    #[serde(default = "one")]
    pub replicas: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(
        default,
        deserialize_with = "env_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub env: Env,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_files: Vec<ConfigFile>,
    #[serde(default, skip_serializing_if = "Probes::is_empty")]
    pub probes: Probes,
    /// Data initialisation: runs once, at install, after the component is healthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init: Vec<InitJob>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<PluginRef>,
    /// Started after these components are ready; cycles are errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Millicores (`500m`) or cores (`1`, `0.5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Bytes with a binary suffix: `Ki`, `Mi`, `Gi`, `Ti`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
    /// A count of GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<u32>,
}

/// A quantity such as `500m`, `1`, `0.5` or `512Mi`; YAML numbers are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Quantity(#[schemars(with = "Scalar")] pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Quantity(Scalar::deserialize(d)?.into_string()))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Http,
    Grpc,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Http => "http",
            Protocol::Grpc => "grpc",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Port {
    /// Unique in its component; how `${components.X.ports.NAME}` refers to it.
    pub name: String,
    pub port: u32,
    #[serde(default)]
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub name: String,
    /// Absolute path in the container.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Absolute path in the container.
    pub path: String,
    /// A file in the package; `${…}` in it is expanded.
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Probe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Probe>,
}

impl Probes {
    pub fn is_empty(&self) -> bool {
        self.readiness.is_none() && self.liveness.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Probe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpProbe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpProbe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecProbe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpProbe {
    /// Starts with `/`.
    pub path: String,
    pub port: PortRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpProbe {
    pub port: PortRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecProbe {
    pub command: Vec<String>,
}

/// A port given by number (`8080`) or by the name of one of the component's ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    Number(u32),
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitJob {
    pub name: String,
    pub command: Vec<String>,
    /// Files in the package, mounted under `/souk/files/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginRef {
    /// A plugin defined under `plugins`.
    pub name: String,
    /// Overrides of the plugin's environment for this component.
    #[serde(
        default,
        deserialize_with = "env_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub env: Env,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<StreamRoute>,
}

impl Ingress {
    pub fn is_empty(&self) -> bool {
        self.http.is_empty() && self.stream.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpRoute {
    /// May contain `${params.…}`.
    pub host: String,
    #[serde(default = "root_path")]
    pub path: String,
    pub component: String,
    pub port: PortRef,
}

fn root_path() -> String {
    "/".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StreamRoute {
    /// The port opened on the site's gateway.
    pub port: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    pub component: String,
    pub target_port: PortRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    pub name: String,
    /// Runs when upgrading from a version matching this requirement.
    pub from: String,
    /// Runs with this component's image, env and volumes.
    pub component: String,
    pub command: Vec<String>,
}

/// A YAML scalar taken as text: env values and quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn into_string(self) -> String {
        match self {
            Scalar::String(s) => s,
            Scalar::Integer(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

fn env_map<'de, D: Deserializer<'de>>(d: D) -> Result<Env, D::Error> {
    let raw: Option<BTreeMap<String, Scalar>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.into_string()))
        .collect())
}

/// The format a manifest is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Parse a manifest from YAML (JSON is YAML too, but is parsed as JSON when it
/// starts with `{` so that its errors read as JSON errors). A syntax error is
/// returned as one problem; shape errors (unknown fields, wrong types)
/// are all returned, each naming its field path (the first with its line, for YAML).
pub fn parse(text: &str) -> Result<Manifest, crate::Problems> {
    parse_as(text, Format::of(text))
}

impl Format {
    /// JSON when the text starts with `{`, YAML otherwise.
    pub fn of(text: &str) -> Format {
        if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// Parse a manifest in the given format. A shape error does not stop the parse:
/// every unknown field (with a "did you mean" when a known name is close), wrong
/// type and missing field is returned, in document order.
pub fn parse_as(text: &str, format: Format) -> Result<Manifest, crate::Problems> {
    match parse_lenient(text, format) {
        (Some(m), p) if p.is_empty() => Ok(m),
        (_, p) => Err(p),
    }
}

/// Parse as far as possible: the shape problems, and the manifest without the
/// fields in error when what is left is still a manifest (so that validation can
/// go on with it).
pub(crate) fn parse_lenient(text: &str, format: Format) -> (Option<Manifest>, crate::Problems) {
    let strict = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize::<_, Manifest>(&mut de)
                .map_err(|e| shape_problem(e.path().to_string(), e.inner().to_string()))
        }
        Format::Yaml => {
            let de = serde_yaml_ng::Deserializer::from_str(text);
            serde_path_to_error::deserialize::<_, Manifest>(de)
                .map_err(|e| shape_problem(e.path().to_string(), e.inner().to_string()))
        }
    };
    let first = match strict {
        Ok(m) => return (Some(m), crate::Problems::default()),
        Err(first) => first,
    };
    // a syntax error: there is no document to walk
    let Ok(doc) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) else {
        return (None, crate::Problems(vec![first]));
    };
    let (mut problems, rest) = crate::validate::check_shape(doc);
    if problems.is_empty() {
        // the walk and serde disagree: serde's word is final
        return (None, crate::Problems(vec![first]));
    }
    // serde located the first problem in the text; keep its line for that one
    if let Some(at) = first.message.rfind(" at line ") {
        if let Some(p) = problems.0.iter_mut().find(|p| p.path == first.path) {
            p.message.push_str(&first.message[at..]);
        }
    }
    let manifest = rest.and_then(|doc| serde_yaml_ng::from_value::<Manifest>(doc).ok());
    (manifest, problems)
}

fn shape_problem(path: String, message: String) -> crate::Problem {
    let path = if path == "." { String::new() } else { path };
    // serde names the variant list of untagged enums unhelpfully; say what is expected.
    let message = if message.starts_with("data did not match any variant of untagged enum PortRef")
    {
        "expected a port number or the name of one of the component's ports".to_string()
    } else if message.starts_with("data did not match any variant of untagged enum Scalar") {
        "expected a string, number or boolean".to_string()
    } else {
        message
    };
    crate::Problem::new(path, message)
}

impl Manifest {
    /// The manifest as normalised JSON (defaults filled in, keys in a fixed order).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a manifest always serialises")
    }

    /// Every file of the package this manifest references, with the field path
    /// that references it.
    pub fn referenced_files(&self) -> Vec<(String, &str)> {
        let mut files = Vec::new();
        for (field, value) in [
            ("icon", &self.icon),
            ("readme", &self.readme),
            ("changelog", &self.changelog),
        ] {
            if let Some(v) = value {
                files.push((field.to_string(), v.as_str()));
            }
        }
        for (ci, c) in self.components.iter().enumerate() {
            for (fi, f) in c.config_files.iter().enumerate() {
                files.push((
                    format!("components[{ci}].configFiles[{fi}].source"),
                    f.source.as_str(),
                ));
            }
            for (ji, j) in c.init.iter().enumerate() {
                for (fi, f) in j.files.iter().enumerate() {
                    files.push((
                        format!("components[{ci}].init[{ji}].files[{fi}]"),
                        f.as_str(),
                    ));
                }
            }
        }
        files
    }
}
