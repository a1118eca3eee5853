//! Rendering: a template and its parameter values become a [`DesiredState`],
//! the concrete containers-to-be of every component (image, command, env with
//! every `${…}` expanded and config groups merged, ports, volumes, config files,
//! resources, replicas, sidecars, probes). Pure: no Docker, no I/O. The planner
//! and the runtimes work on this, never on the manifest.

use super::values::Values;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use souk_schema::graph::Graph;
use souk_schema::interpolate::{expand, Reference};
use souk_schema::manifest::{PluginKind, PortRef, Probe, Protocol};
use souk_schema::validate::{bytes, cpu_millis, Files, Template};
use std::collections::BTreeMap;

/// Everything a release should run, for one revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredState {
    pub release: String,
    /// `namespace/name`.
    pub template: String,
    pub version: String,
    /// In start order: every component after the ones it depends on.
    pub components: Vec<ComponentSpec>,
    pub migrations: Vec<MigrationSpec>,
    /// The secret parameters' values, so that no failure reason, log line or
    /// report repeats one (a job's output may print its environment).
    #[serde(default)]
    pub secrets: Vec<String>,
}

impl DesiredState {
    /// `text` with every secret value masked.
    pub fn redact(&self, text: &str) -> String {
        self.secrets
            .iter()
            .filter(|s| !s.is_empty())
            .fold(text.to_string(), |t, s| t.replace(s.as_str(), "********"))
    }
}

impl DesiredState {
    pub fn component(&self, name: &str) -> Option<&ComponentSpec> {
        self.components.iter().find(|c| c.name == name)
    }
}

/// One component, concrete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentSpec {
    pub name: String,
    pub image: String,
    /// Entrypoint override (empty: the image's).
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub ports: Vec<PortSpec>,
    /// Ports published on the host (ingress routes).
    pub published: Vec<Published>,
    pub volumes: Vec<VolumeSpec>,
    /// Config files, content expanded; mounted read-only.
    pub files: Vec<FileSpec>,
    pub cpu_millis: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub gpus: u32,
    pub replicas: u32,
    /// Plugins of kind `sidecar`: run beside each replica in its network namespace.
    pub sidecars: Vec<PluginSpec>,
    /// Plugins of kind `init`: run to completion before the component starts.
    pub init_plugins: Vec<PluginSpec>,
    pub readiness: Option<ProbeSpec>,
    pub depends_on: Vec<String>,
    /// Data initialisation jobs: once per release, after the component is ready.
    pub init: Vec<JobSpec>,
}

impl ComponentSpec {
    /// What identifies the component's containers: equal fingerprints mean an
    /// upgrade keeps the running containers. Init jobs are left out (they run
    /// once per release and never touch running containers), and so is
    /// `dependsOn` (start order, not what runs).
    pub fn fingerprint(&self) -> String {
        let mut c = self.clone();
        c.init.clear();
        c.depends_on.clear();
        let json = serde_json::to_vec(&c).expect("a spec always serialises");
        hex(&Sha256::digest(&json))[..16].to_string()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortSpec {
    pub name: String,
    pub port: u16,
    pub protocol: String,
}

/// A port published on the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub container_port: u16,
    /// `None`: any free port (HTTP routes; a gateway routes by host and path later).
    pub host_port: Option<u16>,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// For HTTP routes: the route's host and path, shown with the URL.
    pub http: Option<HttpRoute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRoute {
    pub host: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeSpec {
    pub name: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSpec {
    /// Absolute path in the container.
    pub path: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginSpec {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProbeKind {
    Http { path: String, port: u16 },
    Tcp { port: u16 },
    Exec { command: Vec<String> },
}

/// A probe with the template's thresholds (Kubernetes' defaults when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    pub kind: ProbeKind,
    pub initial_delay_seconds: u32,
    pub period_seconds: u32,
    pub timeout_seconds: u32,
    pub failure_threshold: u32,
    pub success_threshold: u32,
}

impl ProbeSpec {
    /// How long a replica may take to become ready before the health gate fails it.
    pub fn deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(
            self.initial_delay_seconds + self.period_seconds * self.failure_threshold.max(1),
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub name: String,
    pub command: Vec<String>,
    /// Files mounted read-only under `/souk/files/`.
    pub files: Vec<FileSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationSpec {
    pub name: String,
    /// A semver requirement on the installed version.
    pub from: String,
    pub component: String,
    pub command: Vec<String>,
}

/// Render `template` with `values` for release `release`. `files` are the
/// package's files (config files and init files come from there): what can
/// fail is reading them, and expanding their `${…}`. Everything else the
/// manifest says was proved by validation, which a [`Template`] has passed.
pub fn render(
    template: &Template,
    files: &Files,
    release: &str,
    values: &Values,
) -> Result<DesiredState, String> {
    let manifest = template.manifest();
    let lookup = |r: &Reference| -> Result<String, String> {
        match r {
            Reference::Param(p) => Ok(values.text(p).unwrap_or_default()),
            Reference::ComponentHost(c) => Ok(c.clone()),
            Reference::ComponentPort { component, port } => manifest
                .components
                .iter()
                .find(|x| x.name == *component)
                .and_then(|x| x.ports.iter().find(|p| p.name == *port))
                .map(|p| p.port.to_string())
                .ok_or_else(|| format!("unknown port `{component}.{port}`")),
            Reference::ReleaseName => Ok(release.to_string()),
            Reference::TemplateVersion => Ok(manifest.version.clone()),
        }
    };
    let x = |s: &str| expand(s, lookup);
    let xs = |v: &[String]| v.iter().map(|s| x(s)).collect::<Result<Vec<_>, _>>();
    let xenv = |env: &BTreeMap<String, String>| {
        env.iter()
            .map(|(k, v)| Ok((k.clone(), x(v)?)))
            .collect::<Result<BTreeMap<_, _>, String>>()
    };
    let file_text = |path: &str| -> Result<String, String> {
        let bytes = files
            .get(path)
            .ok_or_else(|| format!("`{path}` is not in the package"))?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| format!("`{path}` is not UTF-8 text"))
    };

    let graph = Graph::new(&manifest.components);
    let order = graph
        .order()
        .expect("validation refuses a cycle of `dependsOn`");
    let mut components = Vec::new();
    for c in order.into_iter().map(|i| &manifest.components[i]) {
        let mut env = BTreeMap::new();
        for g in &manifest.config_groups {
            if g.components.contains(&c.name) {
                env.extend(xenv(&g.env)?);
            }
        }
        env.extend(xenv(&c.env)?);
        let port_of = |r: &PortRef| -> u16 {
            match r {
                PortRef::Number(n) => port(*n),
                PortRef::Name(name) => c
                    .ports
                    .iter()
                    .find(|p| p.name == *name)
                    .map(|p| port(p.port))
                    .expect("validation refuses a reference to an undeclared port"),
            }
        };
        let mut published = Vec::new();
        for route in manifest
            .ingress
            .http
            .iter()
            .filter(|r| r.component == c.name)
        {
            published.push(Published {
                container_port: port_of(&route.port),
                host_port: None,
                protocol: "tcp".into(),
                http: Some(HttpRoute {
                    host: x(&route.host)?,
                    path: route.path.clone(),
                }),
            });
        }
        for route in manifest
            .ingress
            .stream
            .iter()
            .filter(|r| r.component == c.name)
        {
            published.push(Published {
                container_port: port_of(&route.target_port),
                host_port: Some(port(route.port)),
                protocol: match route.protocol {
                    Some(Protocol::Udp) => "udp".into(),
                    _ => "tcp".into(),
                },
                http: None,
            });
        }
        let mut sidecars = Vec::new();
        let mut init_plugins = Vec::new();
        for r in &c.plugins {
            let p = manifest
                .plugins
                .iter()
                .find(|p| p.name == r.name)
                .expect("validation refuses an undefined plugin");
            let mut penv = xenv(&p.env)?;
            penv.extend(xenv(&r.env)?);
            let spec = PluginSpec {
                name: p.name.clone(),
                image: p.image.clone(),
                command: xs(&p.command)?,
                args: xs(&p.args)?,
                env: penv,
            };
            match p.kind {
                PluginKind::Sidecar => sidecars.push(spec),
                PluginKind::Init => init_plugins.push(spec),
            }
        }
        let files_of = |paths: &[String]| -> Result<Vec<FileSpec>, String> {
            paths
                .iter()
                .map(|f| {
                    Ok(FileSpec {
                        path: format!("/souk/files/{f}"),
                        content: file_text(f)?,
                    })
                })
                .collect()
        };
        let resources = c.resources.clone().unwrap_or_default();
        components.push(ComponentSpec {
            name: c.name.clone(),
            image: c.image.clone(),
            command: xs(&c.command)?,
            args: xs(&c.args)?,
            env,
            ports: c
                .ports
                .iter()
                .map(|p| PortSpec {
                    name: p.name.clone(),
                    port: port(p.port),
                    protocol: p.protocol.as_str().into(),
                })
                .collect(),
            published,
            volumes: c
                .volumes
                .iter()
                .map(|v| VolumeSpec {
                    name: v.name.clone(),
                    path: v.path.clone(),
                })
                .collect(),
            files: c
                .config_files
                .iter()
                .map(|f| {
                    Ok(FileSpec {
                        path: f.path.clone(),
                        content: x(&file_text(&f.source)?)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            cpu_millis: resources.cpu.as_ref().and_then(cpu_millis),
            memory_bytes: resources.memory.as_ref().and_then(bytes),
            gpus: resources.gpu.unwrap_or(0),
            replicas: c.replicas,
            sidecars,
            init_plugins,
            readiness: c.probes.readiness.as_ref().map(|p| probe(p, &port_of)),
            depends_on: c.depends_on.clone(),
            init: c
                .init
                .iter()
                .map(|j| {
                    Ok(JobSpec {
                        name: j.name.clone(),
                        command: xs(&j.command)?,
                        files: files_of(&j.files)?,
                    })
                })
                .collect::<Result<_, String>>()?,
        });
    }
    let migrations = manifest
        .migrations
        .iter()
        .map(|m| {
            Ok(MigrationSpec {
                name: m.name.clone(),
                from: m.from.clone(),
                component: m.component.clone(),
                command: xs(&m.command)?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(DesiredState {
        release: release.to_string(),
        template: manifest.name.clone(),
        version: manifest.version.clone(),
        components,
        migrations,
        secrets: values.secrets(&manifest.parameters).collect(),
    })
}

fn probe(p: &Probe, port_of: &dyn Fn(&PortRef) -> u16) -> ProbeSpec {
    let kind = if let Some(h) = &p.http {
        ProbeKind::Http {
            path: h.path.clone(),
            port: port_of(&h.port),
        }
    } else if let Some(t) = &p.tcp {
        ProbeKind::Tcp {
            port: port_of(&t.port),
        }
    } else {
        let e = p
            .exec
            .as_ref()
            .expect("validation refuses a probe without a check");
        ProbeKind::Exec {
            command: e.command.clone(),
        }
    };
    ProbeSpec {
        kind,
        initial_delay_seconds: p.initial_delay_seconds.unwrap_or(0),
        period_seconds: p.period_seconds.unwrap_or(10).max(1),
        timeout_seconds: p.timeout_seconds.unwrap_or(1).max(1),
        failure_threshold: p.failure_threshold.unwrap_or(3).max(1),
        success_threshold: p.success_threshold.unwrap_or(1).max(1),
    }
}

/// A port number, which validation keeps within 1 to 65535.
fn port(n: u32) -> u16 {
    u16::try_from(n).expect("validation refuses a port number above 65535")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEMPLATE: &str = r#"
apiVersion: souk/v1
kind: Template
name: acme/shop
version: 1.2.0
title: Shop
summary: A shop.
category: iot
parameters:
  - {name: password, type: secret, required: true}
  - {name: domain, type: string, default: shop.local}
configGroups:
  - name: db
    components: [api]
    env: {DB: "${components.db.host}:${components.db.ports.sql}"}
plugins:
  - {name: exporter, kind: sidecar, image: "exp:1", env: {DSN: "root:${params.password}@localhost"}}
components:
  - name: api
    image: api:1
    replicas: 2
    dependsOn: [db]
    env: {RELEASE: "${release.name}", V: "${template.version}"}
    ports: [{name: http, port: 8080, protocol: http}]
    probes: {readiness: {http: {path: /healthz, port: http}, periodSeconds: 1, failureThreshold: 4}}
    configFiles: [{path: /etc/app.conf, source: files/app.conf}]
  - name: db
    image: db:1
    resources: {cpu: 500m, memory: 256Mi, gpu: 1}
    ports: [{name: sql, port: 5432}]
    volumes: [{name: data, path: /var/lib/db}]
    plugins: [{name: exporter}]
ingress:
  http: [{host: "${params.domain}", component: api, port: http}]
  stream: [{port: 15432, component: db, targetPort: sql}]
"#;

    fn rendered(values: serde_json::Value) -> DesiredState {
        let mut files = Files::new();
        files.insert(
            "files/app.conf".into(),
            b"domain=${params.domain}\n".to_vec(),
        );
        files.insert("souk.yaml".into(), TEMPLATE.as_bytes().to_vec());
        let t = souk_schema::validate::parse_and_validate(TEMPLATE, Some(&files)).unwrap();
        let values = Values(serde_json::from_value(values).unwrap());
        render(&t, &files, "prod", &values).unwrap()
    }

    #[test]
    fn components_come_in_dependency_order_fully_expanded() {
        let s = rendered(json!({"password": "s3cret", "domain": "shop.example"}));
        let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["db", "api"]);
        let api = s.component("api").unwrap();
        assert_eq!(api.env["DB"], "db:5432");
        assert_eq!(api.env["RELEASE"], "prod");
        assert_eq!(api.env["V"], "1.2.0");
        assert_eq!(api.files[0].content, "domain=shop.example\n");
        assert_eq!(api.replicas, 2);
        assert_eq!(
            api.readiness.as_ref().unwrap().kind,
            ProbeKind::Http {
                path: "/healthz".into(),
                port: 8080
            }
        );
        assert_eq!(api.readiness.as_ref().unwrap().deadline().as_secs(), 4);
        assert_eq!(api.published[0].http.as_ref().unwrap().host, "shop.example");
        let db = s.component("db").unwrap();
        assert_eq!(db.cpu_millis, Some(500));
        assert_eq!(db.memory_bytes, Some(256 << 20));
        assert_eq!(db.gpus, 1);
        assert_eq!(db.published[0].host_port, Some(15432));
        assert_eq!(db.sidecars[0].env["DSN"], "root:s3cret@localhost");
        assert_eq!(s.secrets, ["s3cret"]);
        assert_eq!(s.redact("DSN=root:s3cret@x"), "DSN=root:********@x");
    }

    #[test]
    fn a_fingerprint_changes_with_what_runs_only() {
        let a = rendered(json!({"password": "one"}));
        let b = rendered(json!({"password": "two"}));
        // The password reaches db's sidecar only.
        assert_eq!(
            a.component("api").unwrap().fingerprint(),
            b.component("api").unwrap().fingerprint()
        );
        assert_ne!(
            a.component("db").unwrap().fingerprint(),
            b.component("db").unwrap().fingerprint()
        );
        let mut c = a.component("api").unwrap().clone();
        c.init.push(JobSpec {
            name: "seed".into(),
            command: vec![],
            files: vec![],
        });
        assert_eq!(c.fingerprint(), a.component("api").unwrap().fingerprint());
    }
}
