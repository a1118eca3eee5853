//! `docker-compose.yml` from a rendered template, for a customer who runs a
//! template without the agent. Pure: it works on the same [`DesiredState`] the
//! agent installs, and returns the document, the side files it mounts and a
//! warning for everything Compose cannot express as souk does.

use crate::agent::render::{ComponentSpec, DesiredState, ProbeKind, ProbeSpec};
use serde_json::{json, Map, Value};

/// The folder, beside the compose file, that holds the mounted config files.
pub const FILES_DIR: &str = "souk-files";

/// A compose project made from a desired state.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The compose document.
    pub document: Value,
    /// Files to write beside the compose file (relative path, content).
    pub files: Vec<(String, String)>,
    /// What could not be carried over exactly.
    pub warnings: Vec<String>,
}

/// The compose project of `state`.
pub fn compose(state: &DesiredState) -> Exported {
    let mut services = Map::new();
    let mut volumes = Map::new();
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for c in &state.components {
        let mut s = service(c, state, &mut volumes, &mut files, &mut warnings);
        let mut depends = Map::new();
        for d in &c.depends_on {
            let healthy = state
                .component(d)
                .is_some_and(|dep| healthcheck(dep.readiness.as_ref()).is_some());
            depends.insert(
                d.clone(),
                json!({"condition": if healthy { "service_healthy" } else { "service_started" }}),
            );
        }
        for p in &c.init_plugins {
            let name = format!("{}-init-{}", c.name, p.name);
            let mut init = plugin_service(&p.image, &p.command, &p.args, &p.env);
            init.insert("restart".into(), json!("no"));
            services.insert(name.clone(), Value::Object(init));
            depends.insert(name, json!({"condition": "service_completed_successfully"}));
        }
        if !depends.is_empty() {
            s.insert("depends_on".into(), Value::Object(depends));
        }
        for p in &c.sidecars {
            let mut side = plugin_service(&p.image, &p.command, &p.args, &p.env);
            side.insert("network_mode".into(), json!(format!("service:{}", c.name)));
            side.insert("depends_on".into(), json!([c.name]));
            side.insert("restart".into(), json!("unless-stopped"));
            services.insert(format!("{}-{}", c.name, p.name), Value::Object(side));
            if c.replicas > 1 {
                warnings.push(format!(
                    "components.{}.plugins.{}: Compose runs one `{}` beside the first replica only",
                    c.name, p.name, p.name
                ));
            }
        }
        if !c.init.is_empty() {
            warnings.push(format!(
                "components.{}.init: data initialisation jobs ({}) run once under the agent; Compose has no equivalent, run them by hand after the first start",
                c.name,
                c.init.iter().map(|j| j.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        services.insert(c.name.clone(), Value::Object(s));
    }
    if !state.migrations.is_empty() {
        warnings.push(format!(
            "migrations: data migrations ({}) run only during an upgrade by the agent; with Compose, run them by hand when upgrading",
            state.migrations.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let mut document = Map::new();
    document.insert("services".into(), Value::Object(services));
    if !volumes.is_empty() {
        document.insert("volumes".into(), Value::Object(volumes));
    }
    Exported {
        document: Value::Object(document),
        files,
        warnings,
    }
}

fn service(
    c: &ComponentSpec,
    state: &DesiredState,
    volumes: &mut Map<String, Value>,
    files: &mut Vec<(String, String)>,
    warnings: &mut Vec<String>,
) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("image".into(), json!(c.image));
    if !c.command.is_empty() {
        s.insert("entrypoint".into(), json!(c.command));
    }
    if !c.args.is_empty() {
        s.insert("command".into(), json!(c.args));
    }
    if !c.env.is_empty() {
        s.insert("environment".into(), json!(c.env));
    }
    let mut ports = Vec::new();
    for p in &c.published {
        // An HTTP route is published on the component's own port: without the
        // agent there is no gateway to route by host name.
        let host = p.host_port.unwrap_or(p.container_port);
        ports.push(json!(format!("{host}:{}/{}", p.container_port, p.protocol)));
        if let Some(http) = &p.http {
            warnings.push(format!(
                "ingress.http: `{}{}` is served on port {host} of the host; put your own proxy in front for the host name",
                http.host, http.path
            ));
        }
    }
    if !ports.is_empty() {
        s.insert("ports".into(), json!(ports));
    }
    let mut mounts = Vec::new();
    for v in &c.volumes {
        let name = format!("{}-{}", c.name, v.name);
        volumes.insert(
            name.clone(),
            json!({"labels": {"souk.release": state.release, "souk.component": c.name}}),
        );
        mounts.push(json!(format!("{name}:{}", v.path)));
    }
    for f in &c.files {
        let rel = format!("{FILES_DIR}/{}{}", c.name, f.path);
        mounts.push(json!(format!("./{rel}:{}:ro", f.path)));
        files.push((rel, f.content.clone()));
    }
    if !mounts.is_empty() {
        s.insert("volumes".into(), json!(mounts));
    }
    if let Some(h) = healthcheck(c.readiness.as_ref()) {
        s.insert("healthcheck".into(), h);
    } else if let Some(p) = &c.readiness {
        warnings.push(format!(
            "components.{}.probes.readiness: the agent probes {} from outside the container; Compose health checks run inside it, so this one is left out",
            c.name,
            match &p.kind {
                ProbeKind::Http { path, port } => format!("http://:{port}{path}"),
                ProbeKind::Tcp { port } => format!("tcp port {port}"),
                ProbeKind::Exec { .. } => "a command".into(),
            }
        ));
    }
    let mut deploy = Map::new();
    if c.replicas != 1 {
        deploy.insert("replicas".into(), json!(c.replicas));
    }
    let mut limits = Map::new();
    if let Some(m) = c.cpu_millis {
        limits.insert("cpus".into(), json!(format!("{}", m as f64 / 1000.0)));
    }
    if let Some(b) = c.memory_bytes {
        limits.insert("memory".into(), json!(format!("{}M", b.div_ceil(1 << 20))));
    }
    let mut resources = Map::new();
    if !limits.is_empty() {
        resources.insert("limits".into(), Value::Object(limits));
    }
    if c.gpus > 0 {
        resources.insert(
            "reservations".into(),
            json!({"devices": [{"driver": "nvidia", "count": c.gpus, "capabilities": ["gpu"]}]}),
        );
    }
    if !resources.is_empty() {
        deploy.insert("resources".into(), Value::Object(resources));
    }
    if !deploy.is_empty() {
        s.insert("deploy".into(), Value::Object(deploy));
    }
    s.insert("restart".into(), json!("unless-stopped"));
    s.insert(
        "labels".into(),
        json!({
            "souk.release": state.release,
            "souk.component": c.name,
            "souk.template": state.template,
            "souk.version": state.version,
        }),
    );
    s
}

fn plugin_service(
    image: &str,
    command: &[String],
    args: &[String],
    env: &std::collections::BTreeMap<String, String>,
) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("image".into(), json!(image));
    if !command.is_empty() {
        s.insert("entrypoint".into(), json!(command));
    }
    if !args.is_empty() {
        s.insert("command".into(), json!(args));
    }
    if !env.is_empty() {
        s.insert("environment".into(), json!(env));
    }
    s
}

/// A Compose health check for an exec probe; `None` for http and tcp probes,
/// which need tools the image may not have.
fn healthcheck(probe: Option<&ProbeSpec>) -> Option<Value> {
    let p = probe?;
    let ProbeKind::Exec { command } = &p.kind else {
        return None;
    };
    let mut test = vec![json!("CMD")];
    test.extend(command.iter().map(|c| json!(c)));
    Some(json!({
        "test": test,
        "interval": format!("{}s", p.period_seconds.max(1)),
        "timeout": format!("{}s", p.timeout_seconds.max(1)),
        "retries": p.failure_threshold.max(1),
        "start_period": format!("{}s", p.initial_delay_seconds),
    }))
}

/// The compose document as YAML that every Compose reads the same way.
///
/// Every string is double-quoted (JSON strings are YAML double-quoted
/// scalars), so that YAML 1.1 readers such as docker-compose 1.x never take
/// `yes`, `on` or `0755` for something else, and every `$` is doubled, since
/// Compose would otherwise interpolate `$VAR` from the environment.
pub fn to_yaml(document: &Value) -> String {
    let mut out = String::new();
    emit(document, 0, &mut out);
    out
}

fn emit(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(&pad);
                out.push_str(&key(k));
                out.push(':');
                nested(v, indent, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                out.push_str(&pad);
                out.push('-');
                nested(v, indent, out);
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&self::scalar(scalar));
            out.push('\n');
        }
    }
}

/// What follows `key:` or `-`: a scalar on the same line, or a block below.
fn nested(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit(v, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit(v, indent + 2, out);
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        s => {
            out.push(' ');
            out.push_str(&scalar(s));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => Value::String(s.replace('$', "$$")).to_string(),
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    const AMBIGUOUS: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "",
    ];
    let plain = k
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && k.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && !AMBIGUOUS.contains(&k.to_ascii_lowercase().as_str());
    if plain {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quotes_every_string_and_doubles_dollars() {
        let doc = json!({
            "services": {
                "redis": {
                    "command": ["redis-server", "--appendonly", "yes"],
                    "environment": {"ON": "on", "PATH_X": "$HOME/bin", "MODE": "0755"},
                    "deploy": {"replicas": 2},
                    "labels": {},
                    "ports": []
                }
            }
        });
        let yaml = to_yaml(&doc);
        assert_eq!(
            yaml,
            "services:\n  redis:\n    command:\n      - \"redis-server\"\n      - \"--appendonly\"\n      - \"yes\"\n    deploy:\n      replicas: 2\n    environment:\n      MODE: \"0755\"\n      \"ON\": \"on\"\n      PATH_X: \"$$HOME/bin\"\n    labels: {}\n    ports: []\n"
        );
        // It reads back as the same document, `$$` aside.
        let back: Value = serde_yaml_ng::from_str(&yaml).unwrap();
        assert_eq!(back["services"]["redis"]["command"][2], "yes");
        assert_eq!(
            back["services"]["redis"]["environment"]["PATH_X"],
            "$$HOME/bin"
        );
    }
}
