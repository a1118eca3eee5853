//! The HTTP handlers, one file per resource; the conversion of domain types
//! to the wire types of `souk_schema::wire` (`views.rs`); the middleware.
//!
//! Handlers are thin: extract, parse into domain types (a path that cannot name
//! a template is a 404), call one function of [`crate::domain`], map the result
//! to a response. Routes are registered in [`crate::routes`].

pub mod agents;
pub mod categories;
pub mod events;
pub mod fallback;
pub mod meta;
pub mod middleware;
pub mod openapi;
pub mod resolve;
pub mod templates;
pub mod tokens;
pub mod versions;
pub mod views;

use crate::error::{Error, Result};
use semver::Version;
use serde::Deserialize;
use souk_schema::TemplateName;
use utoipa::IntoParams;

/// `{ns}/{name}` in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TemplatePath {
    /// The vendor's namespace, such as `acme`.
    pub ns: String,
    /// The template's name in its namespace, such as `smart-warehouse`.
    pub name: String,
}

impl TemplatePath {
    /// The template name; 404 when the path cannot name a template.
    pub fn parse(&self) -> Result<TemplateName> {
        let full = format!("{}/{}", self.ns, self.name);
        TemplateName::parse(&full).map_err(|_| Error::TemplateNotFound(full))
    }
}

/// `{ns}/{name}/versions/{version}` in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    /// The vendor's namespace, such as `acme`.
    pub ns: String,
    /// The template's name in its namespace, such as `smart-warehouse`.
    pub name: String,
    /// A semver version, such as `1.2.0`.
    pub version: String,
}

impl VersionPath {
    /// The template name and version; 404 when the path cannot name them.
    pub fn parse(&self) -> Result<(TemplateName, Version)> {
        let name = TemplatePath {
            ns: self.ns.clone(),
            name: self.name.clone(),
        }
        .parse()?;
        let version = Version::parse(&self.version).map_err(|_| Error::VersionNotFound {
            template: name.to_string(),
            version: self.version.clone(),
        })?;
        Ok((name, version))
    }
}
