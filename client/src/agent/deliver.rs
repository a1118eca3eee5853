//! How a release gets its versions from the registry, the one way `souk
//! install`, `souk upgrade` and the daemon all go: resolve the requirement,
//! download the package (digest-checked), and walk the upgrade path one
//! health-gated step at a time, stopping at the first step that rolls back.
//!
//! The callers differ only in what they say ([`Narrator`]: the CLI prints, the
//! daemon logs) and in a few choices ([`Walk`]).

use super::operation::{Agent, Outcome};
use super::runtime::Runtime;
use super::state::RevisionOutcome;
use super::values::Answers;
use crate::error::Error;
use crate::registry::RegistryClient;
use semver::{Version, VersionReq};
use souk_schema::package::{unpack, Package};
use souk_schema::{Digest, TemplateName};
use std::path::PathBuf;

/// A template on a registry.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub client: &'a RegistryClient,
    pub name: &'a TemplateName,
    /// Whether pre-releases may be chosen.
    pub pre: bool,
}

/// What the caller hears as a delivery goes.
pub trait Narrator {
    /// `version` was chosen to be installed as `release`; it is downloaded next.
    fn installing(&self, release: &str, name: &TemplateName, version: &Version);
    /// `release`, at `from` when the walk began, goes to `to` next.
    fn upgrading(&self, release: &str, from: &Version, to: &Version);
    /// The walk stops before `version`: it failed on this site before.
    fn skipping(&self, release: &str, version: &Version);
    /// One upgrade step ended.
    fn stepped(&self, release: &str, outcome: &Outcome);
}

/// How to walk an upgrade path.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Go to exactly this version, whatever the requirement, along the path
    /// `upgrade.from` demands, instead of to the newest version in the requirement.
    pub to: Option<Version>,
    /// Replace the requirement the release was installed with (remembered
    /// once it resolves).
    pub requirement: Option<VersionReq>,
    /// Stop before a version that failed on this site already. The daemon
    /// does (it would fail again, round after round); a person may retry.
    pub skip_failed: bool,
    /// Remove the volumes of components the new version no longer has.
    pub prune_data: bool,
}

/// Where an upgrade walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walked {
    /// The version that ran when the walk began, and its revision.
    pub from: Version,
    pub from_revision: i64,
    /// The last step's outcome; none when no step was taken (up to date).
    pub last: Option<Outcome>,
}

/// Resolve `req` for a fresh install of `release` and download the version chosen.
pub async fn latest(
    source: &Source<'_>,
    req: &VersionReq,
    release: &str,
    narrator: &dyn Narrator,
) -> Result<Package, Error> {
    let package = latest_except(source, req, release, &[], narrator).await?;
    Ok(package.expect("no version is excluded"))
}

/// Like [`latest`], but `None` (narrated as skipped) when the version chosen
/// is one of `failed`: a release whose install failed is installed again when
/// a newer version appears, not with the one that failed round after round.
pub async fn latest_except(
    source: &Source<'_>,
    req: &VersionReq,
    release: &str,
    failed: &[String],
    narrator: &dyn Narrator,
) -> Result<Option<Package>, Error> {
    let resolved = source
        .client
        .resolve(source.name, req, None, source.pre)
        .await?
        .data;
    if failed.contains(&resolved.version.to_string()) {
        narrator.skipping(release, &resolved.version);
        return Ok(None);
    }
    narrator.installing(release, source.name, &resolved.version);
    let package = fetch(
        source.client,
        source.name,
        &resolved.version,
        &resolved.digest,
    )
    .await?;
    Ok(Some(package))
}

/// The versions that failed as revisions of `release` on this site.
pub async fn failed_versions<R: Runtime>(
    agent: &Agent<R>,
    release: &str,
) -> Result<Vec<String>, Error> {
    Ok(agent
        .store
        .revisions(release)
        .await?
        .into_iter()
        .filter(|r| r.outcome == RevisionOutcome::Failed)
        .map(|r| r.version)
        .collect())
}

/// Upgrade `release` along the registry's upgrade path to the newest version
/// within its requirement (the one remembered from the install, or
/// `walk.requirement`), or to exactly `walk.to`, one version at a time;
/// `answers` gives each step's values from its package. The walk stops at the
/// first step that rolls back.
pub async fn upgrade<R: Runtime>(
    agent: &Agent<R>,
    source: &Source<'_>,
    release: &str,
    walk: &Walk,
    answers: &dyn Fn(&Package) -> Result<Answers, Error>,
    narrator: &dyn Narrator,
) -> Result<Walked, Error> {
    let (row, current) = agent.current(release).await?;
    let installed = Version::parse(&current.version).map_err(|e| Error::Render {
        message: e.to_string(),
    })?;
    let mut walked = Walked {
        from: installed.clone(),
        from_revision: current.number,
        last: None,
    };
    // A release installed before requirements were remembered may go anywhere.
    let remembered = VersionReq::parse(&row.requirement).unwrap_or(VersionReq::STAR);
    let req = walk.requirement.as_ref().unwrap_or(&remembered);
    let path = match &walk.to {
        Some(v) if *v == installed => Vec::new(),
        Some(v) => path_to(source, &installed, v).await?,
        None => path(source, req, &installed).await?,
    };
    if *req != remembered {
        agent
            .store
            .set_requirement(release, &req.to_string())
            .await?;
    }
    if path.last().is_none_or(|v| *v == installed) {
        return Ok(walked);
    }
    let failed = if walk.skip_failed {
        failed_versions(agent, release).await?
    } else {
        Vec::new()
    };
    for version in &path {
        if failed.contains(&version.to_string()) {
            narrator.skipping(release, version);
            break;
        }
        narrator.upgrading(release, &installed, version);
        let digest = source
            .client
            .version(source.name, version)
            .await?
            .data
            .version
            .digest;
        let package = fetch(source.client, source.name, version, &digest).await?;
        let answers = answers(&package)?;
        let outcome = agent
            .upgrade(release, &package, &answers, walk.prune_data)
            .await?;
        narrator.stepped(release, &outcome);
        let rolled_back = matches!(outcome, Outcome::RolledBack { .. });
        walked.last = Some(outcome);
        if rolled_back {
            break;
        }
    }
    Ok(walked)
}

/// The registry's upgrade path from `installed` within `req`; empty when
/// nothing newer matches.
async fn path(
    source: &Source<'_>,
    req: &VersionReq,
    installed: &Version,
) -> Result<Vec<Version>, Error> {
    match source
        .client
        .resolve(source.name, req, Some(installed), source.pre)
        .await
    {
        Ok(r) => Ok(r.data.path),
        Err(Error::Api { status, .. }) if status.as_u16() == 404 => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The registry's upgrade path from `installed` to exactly `to` (the
/// intermediate versions `upgrade.from` demands); an error when `to` cannot
/// be reached.
async fn path_to(
    source: &Source<'_>,
    installed: &Version,
    to: &Version,
) -> Result<Vec<Version>, Error> {
    let exactly = VersionReq::parse(&format!("={to}")).expect("a version makes a requirement");
    let pre = source.pre || !to.pre.is_empty();
    Ok(source
        .client
        .resolve(source.name, &exactly, Some(installed), pre)
        .await?
        .data
        .path)
}

/// Download a version's package, refusing it unless its bytes have the
/// digest the registry announced for it.
pub async fn fetch(
    client: &RegistryClient,
    name: &TemplateName,
    version: &Version,
    expected: &str,
) -> Result<Package, Error> {
    let bytes = client.package(name, version).await?;
    let actual = Digest::of(&bytes);
    if actual.as_str() != expected {
        return Err(Error::DigestMismatch {
            name: format!("{name}@{version}"),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    unpack(&bytes).map_err(|error| Error::Template {
        path: PathBuf::from(format!("{name}@{version}")),
        error,
    })
}
