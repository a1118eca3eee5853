//! The planner: from the running revision's [`DesiredState`] to the next one,
//! what happens to each component, and which migrations run. Pure, and knows
//! nothing about Docker: the operation executor turns a [`Plan`] into runtime calls.

use super::render::{DesiredState, MigrationSpec};
use semver::{Version, VersionReq};

/// What happens to one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Same fingerprint: its containers keep running, untouched.
    Keep,
    /// Changed: new containers replace the old ones.
    Replace,
    /// New in this revision.
    Add,
    /// Gone from this revision: stopped and removed (volumes kept unless pruned).
    Remove,
}

/// The steps of one upgrade (or install, from nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Every component of the new state in start order, then the removed ones.
    pub changes: Vec<(String, Change)>,
    /// Migrations whose `from` matches the installed version, in template order.
    pub migrations: Vec<MigrationSpec>,
}

impl Plan {
    pub fn change(&self, component: &str) -> Option<Change> {
        self.changes
            .iter()
            .find(|(c, _)| c == component)
            .map(|(_, ch)| *ch)
    }
}

/// Plan the way from `old` (none: a fresh install) to `new`.
pub fn plan(old: Option<&DesiredState>, new: &DesiredState) -> Plan {
    let mut changes = Vec::new();
    for c in &new.components {
        let change = match old.and_then(|o| o.component(&c.name)) {
            None => Change::Add,
            Some(prev) if prev.fingerprint() == c.fingerprint() => Change::Keep,
            Some(_) => Change::Replace,
        };
        changes.push((c.name.clone(), change));
    }
    if let Some(old) = old {
        for c in &old.components {
            if new.component(&c.name).is_none() {
                changes.push((c.name.clone(), Change::Remove));
            }
        }
    }
    let installed = old.and_then(|o| Version::parse(&o.version).ok());
    let migrations = match &installed {
        Some(v) => new
            .migrations
            .iter()
            .filter(|m| {
                VersionReq::parse(&m.from)
                    .map(|r| souk_schema::resolve::matches(&r, v, true))
                    .unwrap_or(false)
            })
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    Plan {
        changes,
        migrations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::render::ComponentSpec;

    fn component(name: &str, image: &str, deps: &[&str]) -> ComponentSpec {
        ComponentSpec {
            name: name.into(),
            image: image.into(),
            command: vec![],
            args: vec![],
            env: Default::default(),
            ports: vec![],
            published: vec![],
            volumes: vec![],
            files: vec![],
            cpu_millis: None,
            memory_bytes: None,
            gpus: 0,
            replicas: 1,
            sidecars: vec![],
            init_plugins: vec![],
            readiness: None,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            init: vec![],
        }
    }

    /// `spec` is `name=image` items, in start order.
    fn state(version: &str, spec: &[&str], migrations: &[(&str, &str)]) -> DesiredState {
        DesiredState {
            release: "r".into(),
            template: "acme/x".into(),
            version: version.into(),
            components: spec
                .iter()
                .map(|s| {
                    let (n, i) = s.split_once('=').unwrap();
                    component(n, i, &[])
                })
                .collect(),
            migrations: migrations
                .iter()
                .map(|(name, from)| MigrationSpec {
                    name: name.to_string(),
                    from: from.to_string(),
                    component: "db".into(),
                    command: vec!["migrate".into()],
                })
                .collect(),
            secrets: vec![],
        }
    }

    fn check(
        old: Option<DesiredState>,
        new: DesiredState,
        expected: &[(&str, Change)],
        migs: &[&str],
    ) {
        let p = plan(old.as_ref(), &new);
        let got: Vec<(&str, Change)> = p.changes.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        assert_eq!(got, expected);
        let got: Vec<&str> = p.migrations.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(got, migs);
    }

    #[test]
    fn plan_table() {
        use Change::*;
        // A fresh install adds everything, in start order, and migrates nothing.
        check(
            None,
            state("1.0.0", &["db=db:1", "web=web:1"], &[("m", "*")]),
            &[("db", Add), ("web", Add)],
            &[],
        );
        // One image changed: only that component is replaced.
        check(
            Some(state("1.0.0", &["db=db:1", "web=web:1", "worker=w:1"], &[])),
            state("1.1.0", &["db=db:1", "web=web:2", "worker=w:1"], &[]),
            &[("db", Keep), ("web", Replace), ("worker", Keep)],
            &[],
        );
        // Added and removed components.
        check(
            Some(state("1.0.0", &["db=db:1", "old=o:1"], &[])),
            state("2.0.0", &["db=db:1", "new=n:1"], &[]),
            &[("db", Keep), ("new", Add), ("old", Remove)],
            &[],
        );
        // Migrations run when `from` matches the installed version only.
        check(
            Some(state("1.0.0", &["db=db:1"], &[])),
            state(
                "2.0.0",
                &["db=db:2"],
                &[("a", "<2.0.0"), ("b", ">=1.5.0"), ("c", "^1")],
            ),
            &[("db", Replace)],
            &["a", "c"],
        );
        // Nothing changed: everything is kept.
        check(
            Some(state("1.0.0", &["db=db:1"], &[])),
            state("1.0.1", &["db=db:1"], &[]),
            &[("db", Keep)],
            &[],
        );
    }

    #[test]
    fn a_changed_env_value_replaces_the_component() {
        let old = state("1.0.0", &["db=db:1"], &[]);
        let mut new = old.clone();
        new.components[0].env.insert("X".into(), "1".into());
        assert_eq!(plan(Some(&old), &new).change("db"), Some(Change::Replace));
        let mut new = old.clone();
        new.components[0].depends_on.push("other".into());
        assert_eq!(plan(Some(&old), &new).change("db"), Some(Change::Keep));
    }
}
