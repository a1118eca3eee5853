//! The wire types of the HTTP API (`api.md`): one definition of every request
//! and response body, serialised by the registry and read by the CLI and the
//! agent.
//!
//! Field names are a contract: add freely, rename none. Readers ignore fields
//! they do not know, so a newer registry can add fields without breaking an
//! older client; a field added later gets `#[serde(default)]` so that a newer
//! client still reads an older registry.
//!
//! These types are serde only. With the `openapi` feature (the registry's)
//! they also derive `utoipa::ToSchema`, from which `/api/v1/openapi.json` is
//! built.

use crate::error::Problem;
use crate::manifest::Manifest;
use chrono::{DateTime, Utc};
use semver::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The API's path prefix.
pub const PREFIX: &str = "/api/v1";

/// `{PREFIX}/templates/{template}/versions/{version}/{what}`: where a version's
/// package or icon is served.
pub fn version_url(template: &str, version: &str, what: &str) -> String {
    format!("{PREFIX}/templates/{template}/versions/{version}/{what}")
}

/// The body of every failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}

/// What went wrong: a stable code, a message for people, and for
/// `invalid_template` one detail per problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable, snake_case: `version_exists`, `invalid_template`, …
    pub code: String,
    pub message: String,
    /// One entry per problem for `invalid_template`; empty otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<ProblemDetail>))]
    pub details: Vec<Problem>,
}

/// One problem of an invalid template, located by its field path (the schema
/// of [`Problem`] on the wire).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ProblemDetail {
    /// `components[0].ports[1].port`; empty for the package as a whole.
    path: String,
    message: String,
}

/// `GET /health`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` when the status is 200.
    pub status: String,
}

/// A market category (`GET /categories`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub name_zh: String,
    /// Templates with at least one version in this category that is not yanked.
    pub count: i64,
}

/// A template in search results: its latest version's fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateSummary {
    /// `namespace/name`.
    pub name: String,
    pub namespace: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    /// The latest version.
    pub version: String,
    pub updated_at: DateTime<Utc>,
    pub icon_url: Option<String>,
    /// Every version is yanked: shown last, and nothing resolves to it.
    pub yanked: bool,
    /// Releases that agents report running the template.
    pub installs: u64,
}

/// `GET /templates/suggest`: what the search box offers as the user types.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    pub items: Vec<Suggestion>,
}

/// One suggestion: a template's name and title.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// `namespace/name`.
    pub name: String,
    pub title: String,
}

/// `GET /templates`: one page of matches, the total and the facets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub items: Vec<TemplateSummary>,
    /// All matches, over every page.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub facets: Facets,
}

/// Counts over all matches (filters applied).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// Category slug → matches.
    pub category: BTreeMap<String, usize>,
    /// Tag → matches.
    pub tags: BTreeMap<String, usize>,
}

/// A version in a template's version list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionEntry {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// `sha256:<hex>` of the package.
    pub digest: String,
    pub published_at: DateTime<Utc>,
    pub yanked: bool,
}

/// A version: what publish and yank answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionView {
    /// `namespace/name`.
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// `sha256:<hex>` of the package.
    pub digest: String,
    /// Size of the package in bytes.
    pub size: i64,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    /// Installed versions that may upgrade straight to this one; `null`: any older.
    pub upgrade_from: Option<String>,
    pub yanked: bool,
    pub published_at: DateTime<Utc>,
    pub package_url: String,
    pub icon_url: Option<String>,
}

/// A version in full: its metadata, the normalised manifest, readme and changelog.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionView,
    /// The manifest (`souk.yaml`) as normalised JSON.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub manifest: Manifest,
    /// The readme's markdown.
    pub readme: Option<String>,
    /// The changelog's markdown.
    pub changelog: Option<String>,
}

/// A template: its latest version in full, and every version, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    #[serde(flatten)]
    pub latest: VersionDetail,
    pub namespace: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Highest semver first.
    pub versions: Vec<VersionEntry>,
}

/// `GET …/resolve`: the chosen version and how to get there.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    /// `namespace/name`.
    pub template: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    pub digest: String,
    /// Versions to install in turn, ending with `version`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub path: Vec<Version>,
}

/// An event of the feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// The cursor of this event.
    pub id: i64,
    /// `published`, `yanked` or `unyanked`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `namespace/name`.
    pub template: String,
    pub version: String,
    pub digest: String,
    pub at: DateTime<Utc>,
}

/// `GET /events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventsPage {
    /// Oldest first, at most 100.
    pub events: Vec<Event>,
    /// Pass as `since` next time: the last event's id, or the feed's head when
    /// no event matched.
    pub cursor: i64,
}

/// `GET /search/status`: how far the search index has got.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchStatus {
    /// `embedded` or `meilisearch`.
    pub backend: String,
    /// `ready` (holds every committed event), `indexing` (behind, catching
    /// up) or `error` (behind, and the last attempt failed: see `last_error`).
    pub state: String,
    /// The last event the index holds.
    pub indexed_event: i64,
    /// The last committed event.
    pub head_event: i64,
    /// Events committed but not yet indexed.
    pub pending_events: i64,
    pub last_error: Option<String>,
    pub last_indexed_at: Option<DateTime<Utc>>,
}

/// `PUT …/yank`; an empty body yanks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct YankRequest {
    pub yanked: bool,
}

/// `POST /tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `admin`, `publish:<namespace>`, `publish:*`, `read`, `agent`.
    pub scopes: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// A new token; `token` is shown this once and never again.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewToken {
    pub id: i64,
    pub token: String,
    pub scopes: Vec<String>,
    pub description: String,
}

impl fmt::Debug for NewToken {
    /// Never the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("id", &self.id)
            .field("scopes", &self.scopes)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// `POST /agents/{agent_id}/report`'s body: the agent's releases and their state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentReport {
    pub agent_version: String,
    /// The runtime the agent drives, such as `docker 28.2.2`.
    pub runtime: String,
    pub releases: Vec<ReleaseReport>,
}

/// One release on the agent's site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseReport {
    pub release: String,
    /// `namespace/name`.
    pub template: String,
    /// The version running (none before a first install succeeds).
    pub version: Option<String>,
    pub revision: Option<i64>,
    /// One of [`ReleaseState`]: `installing`, `healthy`, `upgrading`,
    /// `failed` or `rolled_back`. A string on the wire, so that the registry
    /// can name the wrong value in its answer.
    pub state: String,
    #[serde(default)]
    pub message: Option<String>,
}

/// The states a release is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    Installing,
    Healthy,
    Upgrading,
    Failed,
    RolledBack,
}

impl ReleaseState {
    /// Every state, in the order of the lifecycle.
    pub const ALL: [ReleaseState; 5] = [
        ReleaseState::Installing,
        ReleaseState::Healthy,
        ReleaseState::Upgrading,
        ReleaseState::Failed,
        ReleaseState::RolledBack,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Installing => "installing",
            ReleaseState::Healthy => "healthy",
            ReleaseState::Upgrading => "upgrading",
            ReleaseState::Failed => "failed",
            ReleaseState::RolledBack => "rolled_back",
        }
    }
}

impl fmt::Display for ReleaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReleaseState {
    type Err = String;

    /// The state named `s`; the error lists the accepted names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReleaseState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = ReleaseState::ALL.iter().map(|s| s.as_str()).collect();
                format!("`{s}`: expected one of {}", names.join(", "))
            })
    }
}

/// `GET /templates/{ns}/{name}/fleet`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FleetView {
    pub template: String,
    /// Releases reported, all versions together.
    pub total: i64,
    /// Highest version first; releases with no version yet last.
    pub versions: Vec<FleetVersion>,
}

/// The releases that run one version, by state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FleetVersion {
    pub version: Option<String>,
    pub total: i64,
    /// State → number of releases.
    pub states: BTreeMap<String, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_states_round_trip_and_name_the_accepted_values() {
        for state in ReleaseState::ALL {
            assert_eq!(state.as_str().parse::<ReleaseState>(), Ok(state));
            let json = serde_json::to_value(state).unwrap();
            assert_eq!(json, state.as_str());
        }
        assert_eq!(
            "sleeping".parse::<ReleaseState>().unwrap_err(),
            "`sleeping`: expected one of installing, healthy, upgrading, failed, rolled_back"
        );
    }

    #[test]
    fn an_error_body_without_details_reads_as_none() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"not_found","message":"no"}}"#).unwrap();
        assert_eq!(body.error.code, "not_found");
        assert!(body.error.details.is_empty());
    }

    #[test]
    fn a_template_document_reads_back_as_it_was_written() {
        let text = include_str!("../tests/fixtures/spec-example/souk.yaml");
        let manifest = crate::manifest::parse(text).unwrap();
        let at: DateTime<Utc> = "2025-03-01T10:20:30Z".parse().unwrap();
        let version = VersionView {
            name: "acme/smart-warehouse".into(),
            version: Version::new(1, 2, 0),
            digest: "sha256:00".into(),
            size: 10,
            title: manifest.title.clone(),
            summary: manifest.summary.clone(),
            category: manifest.category.clone(),
            tags: manifest.tags.clone(),
            upgrade_from: Some(">=1.0.0".into()),
            yanked: false,
            published_at: at,
            package_url: version_url("acme/smart-warehouse", "1.2.0", "package"),
            icon_url: None,
        };
        let doc = TemplateView {
            latest: VersionDetail {
                version,
                manifest,
                readme: Some("# Hi".into()),
                changelog: None,
            },
            namespace: "acme".into(),
            created_at: at,
            updated_at: at,
            versions: vec![VersionEntry {
                version: Version::new(1, 2, 0),
                digest: "sha256:00".into(),
                published_at: at,
                yanked: false,
            }],
        };
        let json = serde_json::to_value(&doc).unwrap();
        // Flattened, as api.md shows it: the latest version's fields at the top.
        assert_eq!(json["version"], "1.2.0");
        assert_eq!(json["manifest"]["name"], doc.latest.manifest.name);
        let back: TemplateView = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
        // A registry newer than the reader may add fields: they are ignored.
        let mut newer = json;
        newer["rating"] = 5.into();
        assert!(serde_json::from_value::<TemplateView>(newer).is_ok());
    }
}
