//! `${…}` references: every string that may hold one, each checked against the
//! template's parameters and components.

use super::{known, Validator};
use crate::interpolate::{self, Reference};

impl<'a> Validator<'a> {
    /// Every string that may hold `${…}`, with its path.
    fn interpolated(&self) -> Vec<(String, &'a str)> {
        let m = self.m;
        let mut out: Vec<(String, &'a str)> = Vec::new();
        let list = |out: &mut Vec<(String, &'a str)>, at: String, items: &'a [String]| {
            for (i, s) in items.iter().enumerate() {
                out.push((format!("{at}[{i}]"), s.as_str()));
            }
        };
        for (ci, c) in m.components.iter().enumerate() {
            let at = format!("components[{ci}]");
            for (k, v) in &c.env {
                out.push((format!("{at}.env.{k}"), v));
            }
            list(&mut out, format!("{at}.command"), &c.command);
            list(&mut out, format!("{at}.args"), &c.args);
            for (ji, j) in c.init.iter().enumerate() {
                list(&mut out, format!("{at}.init[{ji}].command"), &j.command);
            }
            for (pi, p) in c.plugins.iter().enumerate() {
                for (k, v) in &p.env {
                    out.push((format!("{at}.plugins[{pi}].env.{k}"), v));
                }
            }
        }
        for (gi, g) in m.config_groups.iter().enumerate() {
            for (k, v) in &g.env {
                out.push((format!("configGroups[{gi}].env.{k}"), v));
            }
        }
        for (pi, p) in m.plugins.iter().enumerate() {
            for (k, v) in &p.env {
                out.push((format!("plugins[{pi}].env.{k}"), v));
            }
            list(&mut out, format!("plugins[{pi}].command"), &p.command);
            list(&mut out, format!("plugins[{pi}].args"), &p.args);
        }
        for (i, r) in m.ingress.http.iter().enumerate() {
            out.push((format!("ingress.http[{i}].host"), &r.host));
        }
        for (i, mg) in m.migrations.iter().enumerate() {
            list(&mut out, format!("migrations[{i}].command"), &mg.command);
        }
        out
    }

    pub(super) fn references(&mut self) {
        for (path, s) in self.interpolated() {
            self.check_references(&path, s);
        }
    }

    pub(super) fn check_references(&mut self, path: &str, s: &str) {
        match interpolate::references(s) {
            Err(e) => self.p.push(path, e),
            Ok(refs) => {
                for r in refs {
                    if let Some(e) = self.reference_error(&r) {
                        self.p.push(path, e);
                    }
                }
            }
        }
    }

    fn reference_error(&self, r: &Reference) -> Option<String> {
        let m = self.m;
        match r {
            Reference::Param(p) => (!m.parameters.iter().any(|x| &x.name == p)).then(|| {
                format!(
                    "`{r}` refers to an unknown parameter `{p}`{}",
                    known(m.parameters.iter().map(|x| x.name.as_str()))
                )
            }),
            Reference::ComponentHost(c) => self.component_named(c).is_none().then(|| {
                format!(
                    "`{r}` refers to an unknown component `{c}`{}",
                    known(m.components.iter().map(|x| x.name.as_str()))
                )
            }),
            Reference::ComponentPort { component, port } => match self.component_named(component) {
                None => Some(format!(
                    "`{r}` refers to an unknown component `{component}`{}",
                    known(m.components.iter().map(|x| x.name.as_str()))
                )),
                Some(c) => (!c.ports.iter().any(|p| &p.name == port)).then(|| {
                    format!(
                        "`{r}`: component `{component}` has no port named `{port}`{}",
                        known(c.ports.iter().map(|p| p.name.as_str()))
                    )
                }),
            },
            Reference::ReleaseName | Reference::TemplateVersion => None,
        }
    }
}
