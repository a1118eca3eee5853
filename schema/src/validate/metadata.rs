//! The template's identity and catalog fields, from `apiVersion` to `upgrade.from`.

use super::{re, Validator};
use crate::manifest::{API_VERSION, KIND};
use crate::names::is_segment;
use crate::TemplateName;
use regex::Regex;
use semver::Version;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn is_tag(t: &str) -> bool {
    let mut chars = t.chars();
    !t.is_empty()
        && t.chars().count() <= 40
        && chars.all(|c| !c.is_whitespace() && !c.is_ascii_uppercase() && c != ',' && c != '/')
}

fn is_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > "https://".len()
        && !u.chars().any(char::is_whitespace)
}

impl Validator<'_> {
    pub(super) fn metadata(&mut self) {
        let m = self.m;
        if m.api_version != API_VERSION {
            self.p.push(
                "apiVersion",
                format!("must be `{API_VERSION}`, found `{}`", m.api_version),
            );
        }
        if m.kind != KIND {
            self.p
                .push("kind", format!("must be `{KIND}`, found `{}`", m.kind));
        }
        if let Err(e) = TemplateName::parse(&m.name) {
            self.p.push("name", e);
        }
        match Version::parse(&m.version) {
            Ok(v) if !v.build.is_empty() => self.p.push(
                "version",
                format!("`{}` has build metadata (`+{}`), which is not allowed: versions must be comparable", m.version, v.build),
            ),
            Ok(_) => {}
            Err(e) => self.p.push(
                "version",
                format!("`{}` is not a semantic version (like `1.2.0`): {e}", m.version),
            ),
        }
        self.text("title", &m.title, 120);
        self.text("summary", &m.summary, 500);
        if !is_segment(&m.category) {
            self.p.push(
                "category",
                format!(
                    "`{}` is not a category slug (lowercase letters, digits and `-`)",
                    m.category
                ),
            );
        }
        if m.tags.len() > 20 {
            self.p.push("tags", "at most 20 tags");
        }
        let mut seen_tags = BTreeSet::new();
        for (i, t) in m.tags.iter().enumerate() {
            if !is_tag(t) {
                self.p.push(
                    format!("tags[{i}]"),
                    format!("`{t}` is not a tag: lowercase, no spaces, commas or `/`, at most 40 characters"),
                );
            } else if !seen_tags.insert(t) {
                self.p
                    .push(format!("tags[{i}]"), format!("duplicate tag `{t}`"));
            }
        }
        if let Some(l) = &m.license {
            static RE: OnceLock<Regex> = OnceLock::new();
            if !re(&RE, r"^[A-Za-z0-9.+\-() ]+$").is_match(l) || l.trim().is_empty() {
                self.p.push(
                    "license",
                    format!("`{l}` is not an SPDX license expression (like `Apache-2.0` or `MIT OR Apache-2.0`)"),
                );
            }
        }
        for (field, url) in [("homepage", &m.homepage), ("source", &m.source)] {
            if let Some(u) = url {
                if !is_url(u) {
                    self.p.push(field, format!("`{u}` is not an http(s) URL"));
                }
            }
        }
        for (i, mt) in m.maintainers.iter().enumerate() {
            if mt.name.trim().is_empty() {
                self.p
                    .push(format!("maintainers[{i}].name"), "must not be empty");
            }
            if let Some(e) = &mt.email {
                if !e.contains('@') || e.contains(char::is_whitespace) {
                    self.p.push(
                        format!("maintainers[{i}].email"),
                        format!("`{e}` is not an email address"),
                    );
                }
            }
        }
        if let Some(icon) = &m.icon {
            let lower = icon.to_ascii_lowercase();
            if !(lower.ends_with(".png") || lower.ends_with(".svg")) {
                self.p
                    .push("icon", format!("`{icon}` must be a .png or .svg file"));
            }
        }
        if let Some(req) = m.requires.as_ref().and_then(|r| r.agent.as_deref()) {
            self.req("requires.agent", req);
        }
        if let Some(req) = m.upgrade.as_ref().and_then(|u| u.from.as_deref()) {
            self.req("upgrade.from", req);
        }
    }

    fn text(&mut self, path: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.p.push(path, "must not be empty");
        } else if value.chars().count() > max {
            self.p
                .push(path, format!("is longer than {max} characters"));
        }
    }
}
