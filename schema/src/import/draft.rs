//! [`Draft`]: the template an importer fills, and the fix-ups every source needs.

use super::{clip, escape, new_param, shell, unique, ImportError, Imported, Warning};
use crate::categories::DEFAULT_CATEGORIES;
use crate::graph::Graph;
use crate::manifest::{
    Ingress, Manifest, ParamType, Parameter, PortRef, Protocol, StreamRoute, API_VERSION, KIND,
    MANIFEST_FILE,
};
use crate::validate::{parse_and_validate, Files};
use std::collections::BTreeSet;

/// A template being built from a source, with its files and warnings.
pub(crate) struct Draft {
    pub m: Manifest,
    pub files: Files,
    pub warnings: Vec<Warning>,
    /// The `domain` parameter that generated HTTP hosts hang under, once needed.
    domain_param: Option<String>,
}

impl Draft {
    pub(super) fn new(name: String, version: String, title: &str, summary: &str) -> Draft {
        Draft {
            m: Manifest {
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                name,
                version,
                title: clip(title, 120),
                summary: clip(summary, 500),
                category: "other".into(),
                tags: vec![],
                license: None,
                homepage: None,
                source: None,
                maintainers: vec![],
                icon: None,
                readme: None,
                changelog: None,
                requires: None,
                upgrade: None,
                parameters: vec![],
                config_groups: vec![],
                plugins: vec![],
                components: vec![],
                ingress: Ingress::default(),
                migrations: vec![],
            },
            files: Files::new(),
            warnings: vec![],
            domain_param: None,
        }
    }

    pub(super) fn warn(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(Warning {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Put a file in the package at `wanted` (or a free name beside it) and
    /// return its path. The same bytes at the same path are stored once.
    pub(super) fn add_file(&mut self, wanted: &str, bytes: Vec<u8>) -> String {
        let (stem, ext) = match wanted.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() && !e.contains('/') => (s, format!(".{e}")),
            _ => (wanted, String::new()),
        };
        let mut path = wanted.to_string();
        let mut n = 1;
        loop {
            match self.files.get(&path) {
                None => break,
                Some(b) if *b == bytes => return path,
                Some(_) => {
                    n += 1;
                    path = format!("{stem}-{n}{ext}");
                }
            }
        }
        self.files.insert(path.clone(), bytes);
        path
    }

    /// Add a parameter under its name, or a free one beside it; return the name.
    pub(super) fn add_param(&mut self, mut p: Parameter) -> String {
        let taken: BTreeSet<&str> = self.m.parameters.iter().map(|p| p.name.as_str()).collect();
        p.name = unique(&p.name, &taken, '_', 64);
        let name = p.name.clone();
        self.m.parameters.push(p);
        name
    }

    pub(super) fn has_param(&self, name: &str) -> bool {
        self.m.parameters.iter().any(|p| p.name == name)
    }

    /// A valid environment variable name for `raw`, warning when it had to change.
    pub(super) fn env_name(&mut self, raw: &str, field: &str) -> String {
        let mut name: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            name.insert(0, '_');
        }
        if name != raw {
            self.warn(
                field,
                format!("`{raw}` is not a valid environment variable name; renamed to `{name}`"),
            );
        }
        name
    }

    /// The words of a command line, split as a shell would, or at spaces (with a
    /// warning) when it cannot be, such as with an unclosed quote.
    pub(super) fn command_words(&mut self, line: &str, field: &str) -> Vec<String> {
        shell::split(line).unwrap_or_else(|e| {
            self.warn(field, format!("{e}; split at spaces"));
            line.split_whitespace().map(str::to_string).collect()
        })
    }

    /// `text` with every `${` kept literal; when it holds one, a warning at
    /// `field` says why (`reason`: what the source meant by it).
    pub(super) fn literal(&mut self, text: &str, field: &str, reason: impl Into<String>) -> String {
        if text.contains("${") {
            self.warn(field, reason);
        }
        escape(text)
    }

    /// Add a secret parameter, asked at install and never given a default, under
    /// `name` or a free one beside it; return its name.
    pub(super) fn add_secret_param(
        &mut self,
        name: String,
        title: &str,
        description: String,
    ) -> String {
        self.add_param(new_param(name, ParamType::Secret, title, description))
    }

    /// The host of a generated HTTP entry of `component`:
    /// `COMPONENT.${params.domain}`, or `COMPONENT-PORT.…` when the component has
    /// `several` such entries, where the `domain` parameter (added on first use)
    /// is the site's base domain.
    pub(super) fn generated_host(&mut self, component: &str, port: u32, several: bool) -> String {
        let param = match &self.domain_param {
            Some(p) => p.clone(),
            None => {
                let p = self.add_param(Parameter {
                    pattern: Some("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$".into()),
                    ..new_param(
                        "domain".into(),
                        ParamType::String,
                        "Base domain",
                        "HTTP entries are served at sub-domains of it (COMPONENT.DOMAIN)".into(),
                    )
                });
                self.domain_param = Some(p.clone());
                p
            }
        };
        if several {
            format!("{component}-{port}.${{params.{param}}}")
        } else {
            format!("{component}.${{params.{param}}}")
        }
    }

    /// Route gateway port `wanted`, or the next one free for its transport, to
    /// `target` of `component`; return the gateway port.
    pub(super) fn add_stream_route(
        &mut self,
        wanted: u32,
        protocol: Protocol,
        component: String,
        target: PortRef,
    ) -> u32 {
        let port = self.free_stream_port(wanted, protocol);
        self.m.ingress.stream.push(StreamRoute {
            port,
            protocol: Some(protocol),
            component,
            target_port: target,
        });
        port
    }

    /// A gateway port for a stream route: `wanted`, or the next one free for
    /// its transport.
    fn free_stream_port(&self, wanted: u32, protocol: Protocol) -> u32 {
        let udp = protocol == Protocol::Udp;
        let used = |p: u32| {
            self.m
                .ingress
                .stream
                .iter()
                .any(|r| r.port == p && (r.protocol == Some(Protocol::Udp)) == udp)
        };
        let mut port = wanted.clamp(1, 65535);
        while used(port) {
            port = if port >= 65535 { 1024 } else { port + 1 };
        }
        port
    }

    /// Drop the dependency edges that close a cycle (the format forbids cycles),
    /// warning at `source_field(component)`.
    pub(super) fn break_cycles(&mut self, source_field: &dyn Fn(&str) -> String) {
        let dropped: Vec<(usize, String)> = Graph::new(&self.m.components)
            .cycles()
            .iter()
            .map(|c| (c.at, c.dependency().to_string()))
            .collect();
        for (at, dep) in dropped {
            let name = self.m.components[at].name.clone();
            self.m.components[at].depends_on.retain(|d| *d != dep);
            self.warn(
                source_field(&name),
                format!("the dependency of `{name}` on `{dep}` closes a cycle, which souk does not allow; dropped"),
            );
        }
    }

    /// Write `souk.yaml`, under a comment saying where it came from (`souk
    /// import COMMAND` of `source`), and check the result.
    pub(super) fn finish(mut self, command: &str, source: &str) -> Result<Imported, ImportError> {
        let slugs: Vec<&str> = DEFAULT_CATEGORIES.iter().map(|c| c.slug).collect();
        self.warn(
            "",
            format!(
                "the source has no market category; set to `{}`: choose one of {}",
                self.m.category,
                slugs.join(", ")
            ),
        );
        let yaml = serde_yaml_ng::to_string(&self.m).expect("a manifest always serialises");
        let source = source.replace(['\n', '\r'], " ");
        let text = format!(
            "# Imported by `souk import {command}` from {source}.\n# Read the import's warnings: each names what could not be carried over.\n{yaml}"
        );
        if let Err(problems) = parse_and_validate(&text, Some(&self.files)) {
            return Err(ImportError::Bug(problems));
        }
        self.files.insert(MANIFEST_FILE.into(), text.into_bytes());
        Ok(Imported {
            files: self.files,
            warnings: self.warnings,
        })
    }
}
