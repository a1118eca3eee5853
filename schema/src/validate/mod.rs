//! Every rule of template format v1, checked at once: [`validate`] returns a
//! [`Template`] or the full list of [`Problems`], each with its field path.
//!
//! [`shape`] comes first: the document against the JSON Schema, every unknown
//! field and wrong type at once. The checks follow the manifest's sections, in the order [`validate`] walks
//! them: `metadata` (identity and catalog fields), `params`, `components`,
//! `config_groups`, `plugins`, `ingress`, `migrations`, then `references`
//! (`${…}` everywhere) and `files` (what the package must hold).

mod components;
mod config_groups;
mod files;
mod ingress;
mod metadata;
mod migrations;
mod params;
mod plugins;
mod references;
mod shape;

pub use components::{bytes, cpu_millis, is_image_reference};
pub use files::{is_package_path, MAX_ICON_BYTES};
pub use params::check_param_value;
pub(crate) use shape::check as check_shape;

use crate::manifest::{Component, Manifest};
use crate::{Problems, TemplateName};
use regex::Regex;
use semver::{Version, VersionReq};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The files of a package (relative path → bytes), as far as they are known.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A manifest known to be valid, with its identity parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    manifest: Manifest,
    name: TemplateName,
    version: Version,
    upgrade_from: Option<VersionReq>,
}

impl Template {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    pub fn name(&self) -> &TemplateName {
        &self.name
    }
    pub fn version(&self) -> &Version {
        &self.version
    }
    /// `upgrade.from`: installed versions that may upgrade straight to this one;
    /// `None` means any older version.
    pub fn upgrade_from(&self) -> Option<&VersionReq> {
        self.upgrade_from.as_ref()
    }
    pub fn into_manifest(self) -> Manifest {
        self.manifest
    }
}

/// Parse and validate a manifest's text in one step.
/// Shape problems do not stop it: the rules are checked on what is well-formed,
/// and every problem is returned.
pub fn parse_and_validate(text: &str, files: Option<&Files>) -> Result<Template, Problems> {
    let (manifest, mut problems) =
        crate::manifest::parse_lenient(text, crate::manifest::Format::of(text));
    let Some(manifest) = manifest else {
        return Err(problems);
    };
    if problems.is_empty() {
        return validate(manifest, files);
    }
    if let Err(more) = validate(manifest, files) {
        problems.0.extend(more.0);
    }
    Err(problems)
}

/// Check every rule of the format. With `files`, also check that referenced files
/// exist (and that `${…}` in config files is valid); without, only the manifest.
pub fn validate(manifest: Manifest, files: Option<&Files>) -> Result<Template, Problems> {
    let mut v = Validator {
        m: &manifest,
        p: Problems::default(),
    };
    v.run(files);
    if !v.p.is_empty() {
        return Err(v.p);
    }
    let name = TemplateName::parse(&manifest.name).expect("validated");
    let version = Version::parse(&manifest.version).expect("validated");
    let upgrade_from = manifest
        .upgrade
        .as_ref()
        .and_then(|u| u.from.as_deref())
        .map(|r| VersionReq::parse(r).expect("validated"));
    Ok(Template {
        manifest,
        name,
        version,
        upgrade_from,
    })
}

struct Validator<'a> {
    m: &'a Manifest,
    p: Problems,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

impl<'a> Validator<'a> {
    fn run(&mut self, files: Option<&Files>) {
        self.metadata();
        self.parameters();
        self.components();
        self.config_groups();
        self.plugins();
        self.ingress();
        self.migrations();
        self.references();
        self.files(files);
    }

    fn req(&mut self, path: &str, req: &str) {
        if let Err(e) = VersionReq::parse(req) {
            self.p.push(
                path,
                format!("`{req}` is not a semver requirement (like `>=1.0.0` or `^1.2`): {e}"),
            );
        }
    }

    fn unique<'b>(
        &mut self,
        names: impl Iterator<Item = (String, &'b str)>,
        what: &str,
        check: fn(&str) -> bool,
        rule: &str,
    ) {
        let mut seen = HashMap::new();
        for (path, name) in names {
            if !check(name) {
                self.p.push(
                    path.clone(),
                    format!("`{name}` is not a valid {what} name: {rule}"),
                );
            }
            if let Some(first) = seen.insert(name, path.clone()) {
                self.p.push(
                    path,
                    format!("duplicate {what} name `{name}` (first at `{first}`)"),
                );
            }
        }
    }

    fn component_named(&self, name: &str) -> Option<&'a Component> {
        self.m.components.iter().find(|c| c.name == name)
    }
}

fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    if v.is_empty() {
        String::new()
    } else {
        format!(" (known: {})", v.join(", "))
    }
}
