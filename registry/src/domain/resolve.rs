//! Picking a version for a requirement, with the upgrade path from an installed
//! version (`souk_schema::resolve` holds the rules).

use super::templates::show;
use crate::error::{Error, Result};
use crate::state::AppState;
use semver::{Version, VersionReq};
use souk_schema::resolve::resolve as pick;
use souk_schema::wire::Resolution;
use souk_schema::TemplateName;

/// The version of `name` to install (`from: None`) or to upgrade to from `from`.
pub async fn resolve(
    state: &AppState,
    name: &TemplateName,
    req: &VersionReq,
    from: Option<&Version>,
    pre: bool,
) -> Result<Resolution> {
    let t = show(state, name).await?;
    let chosen = pick(&t.candidates, req, from, pre).ok_or_else(|| Error::NoMatchingVersion {
        template: name.to_string(),
        req: req.to_string(),
        from: from.map(Version::to_string),
    })?;
    let digest = t
        .template
        .versions
        .iter()
        .find(|v| v.semver() == chosen.version)
        .map(|v| v.digest.clone())
        .ok_or_else(|| {
            Error::internal(
                "resolving a version",
                "the chosen version is not among the candidates",
            )
        })?;
    Ok(Resolution {
        template: name.to_string(),
        version: chosen.version,
        digest,
        path: chosen.path,
    })
}
