//! What changed between two versions of a template, as a customer deciding on
//! an upgrade needs it: components added, removed and changed (image, env keys,
//! ports, volumes, probes, replicas, resources), parameters added and removed,
//! and the migrations that will run.
//!
//! Env *values* are not compared in the output, only keys: values may hold
//! interpolated secrets, and keys are what a customer's overrides depend on.

use souk_schema::manifest::{Component, Probe};
use souk_schema::Manifest;

/// One changed field of a component.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field as the format names it: `image`, `env`, `ports`, …
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentChange {
    pub name: String,
    pub changes: Vec<FieldChange>,
}

/// A migration that runs on the upgrade.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRun {
    pub name: String,
    pub component: String,
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ManifestDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ComponentChange>,
    pub params_added: Vec<String>,
    pub params_removed: Vec<String>,
    pub migrations: Vec<MigrationRun>,
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = items.into_iter().collect();
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

fn ports(c: &Component) -> String {
    list(
        c.ports
            .iter()
            .map(|p| format!("{} {}/{}", p.name, p.port, p.protocol.as_str())),
    )
}

fn volumes(c: &Component) -> String {
    list(c.volumes.iter().map(|v| match &v.size {
        Some(s) => format!("{} {} ({})", v.name, v.path, s.0),
        None => format!("{} {}", v.name, v.path),
    }))
}

/// A probe in one line: `http /healthz:8080 every 5s`.
pub fn probe(p: &Option<Probe>) -> String {
    let Some(p) = p else {
        return "—".into();
    };
    let mut s = if let Some(h) = &p.http {
        format!("http {}:{}", h.path, h.port)
    } else if let Some(t) = &p.tcp {
        format!("tcp :{}", t.port)
    } else if let Some(e) = &p.exec {
        format!("exec {}", e.command.join(" "))
    } else {
        "—".into()
    };
    if let Some(d) = p.initial_delay_seconds {
        s.push_str(&format!(", delay {d}s"));
    }
    if let Some(period) = p.period_seconds {
        s.push_str(&format!(", every {period}s"));
    }
    if let Some(f) = p.failure_threshold {
        s.push_str(&format!(", {f} failures"));
    }
    s
}

/// `cpu 500m, memory 1Gi, gpu 1`, or `—`.
pub fn resources(c: &Component) -> String {
    let Some(r) = &c.resources else {
        return "—".into();
    };
    list(
        [
            r.cpu.as_ref().map(|q| format!("cpu {}", q.0)),
            r.memory.as_ref().map(|q| format!("memory {}", q.0)),
            r.gpu.filter(|g| *g > 0).map(|g| format!("gpu {g}")),
        ]
        .into_iter()
        .flatten(),
    )
}

/// Ports of a component in one line.
pub fn port_list(c: &Component) -> String {
    ports(c)
}

/// Volumes of a component in one line.
pub fn volume_list(c: &Component) -> String {
    volumes(c)
}

fn component_changes(old: &Component, new: &Component) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field, before: String, after: String| {
        if before != after {
            out.push(FieldChange {
                field,
                before,
                after,
            });
        }
    };
    push("image", old.image.clone(), new.image.clone());
    push(
        "replicas",
        old.replicas.to_string(),
        new.replicas.to_string(),
    );
    push("resources", resources(old), resources(new));
    let added: Vec<String> = new
        .env
        .keys()
        .filter(|k| !old.env.contains_key(*k))
        .map(|k| format!("+{k}"))
        .collect();
    let removed: Vec<String> = old
        .env
        .keys()
        .filter(|k| !new.env.contains_key(*k))
        .map(|k| format!("-{k}"))
        .collect();
    let changed: Vec<String> = new
        .env
        .iter()
        .filter(|(k, v)| old.env.get(*k).is_some_and(|o| o != *v))
        .map(|(k, _)| format!("~{k}"))
        .collect();
    if !(added.is_empty() && removed.is_empty() && changed.is_empty()) {
        push(
            "env",
            list(old.env.keys().cloned()),
            list(added.into_iter().chain(removed).chain(changed)),
        );
    }
    push("ports", ports(old), ports(new));
    push("volumes", volumes(old), volumes(new));
    push(
        "probes.readiness",
        probe(&old.probes.readiness),
        probe(&new.probes.readiness),
    );
    push(
        "probes.liveness",
        probe(&old.probes.liveness),
        probe(&new.probes.liveness),
    );
    push(
        "dependsOn",
        list(old.depends_on.iter().cloned()),
        list(new.depends_on.iter().cloned()),
    );
    out
}

/// What an upgrade from `old` (at `old_version`) to `new` changes.
pub fn diff(old: &Manifest, old_version: &semver::Version, new: &Manifest) -> ManifestDiff {
    let find = |m: &'_ Manifest, name: &str| m.components.iter().position(|c| c.name == name);
    let mut d = ManifestDiff::default();
    for c in &new.components {
        match find(old, &c.name) {
            None => d.added.push(c.name.clone()),
            Some(i) => {
                let changes = component_changes(&old.components[i], c);
                if !changes.is_empty() {
                    d.changed.push(ComponentChange {
                        name: c.name.clone(),
                        changes,
                    });
                }
            }
        }
    }
    d.removed = old
        .components
        .iter()
        .filter(|c| find(new, &c.name).is_none())
        .map(|c| c.name.clone())
        .collect();
    let has_param = |m: &Manifest, n: &str| m.parameters.iter().any(|p| p.name == n);
    d.params_added = new
        .parameters
        .iter()
        .filter(|p| !has_param(old, &p.name))
        .map(|p| p.name.clone())
        .collect();
    d.params_removed = old
        .parameters
        .iter()
        .filter(|p| !has_param(new, &p.name))
        .map(|p| p.name.clone())
        .collect();
    d.migrations = new
        .migrations
        .iter()
        .filter(|m| semver::VersionReq::parse(&m.from).is_ok_and(|req| req.matches(old_version)))
        .map(|m| MigrationRun {
            name: m.name.clone(),
            component: m.component.clone(),
            command: m.command.join(" "),
        })
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(version: &str, body: &str) -> Manifest {
        souk_schema::manifest::parse(&format!(
            "apiVersion: souk/v1\nkind: Template\nname: a/b\nversion: {version}\ntitle: t\nsummary: s\ncategory: iot\n{body}"
        ))
        .expect("parses")
    }

    #[test]
    fn components_parameters_and_migrations() {
        let old = m(
            "1.0.0",
            "parameters:\n  - {name: a, type: string}\n  - {name: gone, type: string}\ncomponents:\n  - name: db\n    image: mysql:8.0\n    env: {A: '1', B: '2'}\n    ports: [{name: mysql, port: 3306}]\n  - {name: old, image: x:1}\n",
        );
        let new = m(
            "2.0.0",
            "parameters:\n  - {name: a, type: string}\n  - {name: b, type: secret}\ncomponents:\n  - name: db\n    image: mysql:8.4\n    env: {A: '1', B: '3', C: '4'}\n    ports: [{name: mysql, port: 3306}]\n    volumes: [{name: data, path: /var/lib/mysql, size: 10Gi}]\n    probes:\n      readiness: {tcp: {port: 3306}, periodSeconds: 5}\n  - {name: api, image: api:2, dependsOn: [db]}\nmigrations:\n  - {name: to-2, from: '<2.0.0', component: db, command: [migrate, '2']}\n  - {name: from-15, from: '>=1.5.0', component: db, command: [x]}\n",
        );
        let d = diff(&old, &semver::Version::new(1, 0, 0), &new);
        assert_eq!(d.added, ["api"]);
        assert_eq!(d.removed, ["old"]);
        assert_eq!(d.params_added, ["b"]);
        assert_eq!(d.params_removed, ["gone"]);
        let db = &d.changed[0];
        assert_eq!(db.name, "db");
        let fields: Vec<_> = db.changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, ["image", "env", "volumes", "probes.readiness"]);
        assert_eq!(db.changes[1].after, "+C, ~B");
        assert_eq!(db.changes[3].after, "tcp :3306, every 5s");
        assert_eq!(
            d.migrations,
            [MigrationRun {
                name: "to-2".into(),
                component: "db".into(),
                command: "migrate 2".into()
            }]
        );
    }

    #[test]
    fn the_same_manifest_has_no_changes() {
        let a = m("1.0.0", "components:\n  - {name: x, image: x:1}\n");
        assert_eq!(
            diff(&a, &semver::Version::new(1, 0, 0), &a),
            ManifestDiff::default()
        );
    }
}
