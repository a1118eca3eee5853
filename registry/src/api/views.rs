//! The wire types of the HTTP API (api.md): what responses look like, built from
//! database rows and search documents with `From`. Field names are a contract:
//! add freely, rename none.

use crate::db::{
    utc, CategoryRow, EventRow, TemplateRow, TemplateWithVersions, VersionMetaRow, VersionRow,
};
use crate::search::Document;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The API's path prefix.
pub const PREFIX: &str = "/api/v1";

fn version_url(template: &str, version: &str, what: &str) -> String {
    format!("{PREFIX}/templates/{template}/versions/{version}/{what}")
}

/// `GET /health`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the status is 200.
    pub status: &'static str,
}

/// A market category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryView {
    pub slug: String,
    pub name: String,
    pub name_zh: String,
    /// Templates with at least one version in this category that is not yanked.
    pub count: i64,
}

impl From<(CategoryRow, i64)> for CategoryView {
    fn from((c, count): (CategoryRow, i64)) -> Self {
        CategoryView {
            slug: c.slug,
            name: c.name,
            name_zh: c.name_zh,
            count,
        }
    }
}

/// A template in search results: its latest version's fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl From<Document> for TemplateSummary {
    fn from(d: Document) -> Self {
        let namespace = d.name.split_once('/').map_or("", |(ns, _)| ns).to_string();
        TemplateSummary {
            icon_url: d.has_icon.then(|| version_url(&d.name, &d.version, "icon")),
            namespace,
            name: d.name,
            title: d.title,
            summary: d.summary,
            category: d.category,
            tags: d.tags,
            version: d.version,
            updated_at: d.updated_at,
            yanked: d.yanked,
            installs: d.installs,
        }
    }
}

/// `GET /templates/suggest`: what the search box offers as the user types.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestions {
    pub items: Vec<Suggestion>,
}

/// One suggestion: a template's name and title.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    /// `namespace/name`.
    pub name: String,
    pub title: String,
}

/// `GET /templates`: one page of matches, the total and the facets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<TemplateSummary>,
    /// All matches, over every page.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub facets: Facets,
}

/// Counts over all matches (filters applied).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Facets {
    /// Category slug → matches.
    pub category: BTreeMap<String, usize>,
    /// Tag → matches.
    pub tags: BTreeMap<String, usize>,
}

/// A version in a template's version list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionEntry {
    pub version: String,
    pub digest: String,
    pub published_at: DateTime<Utc>,
    pub yanked: bool,
}

impl From<&VersionMetaRow> for VersionEntry {
    fn from(v: &VersionMetaRow) -> Self {
        VersionEntry {
            version: v.version.clone(),
            digest: v.digest.clone(),
            published_at: utc(v.published_at),
            yanked: v.yanked,
        }
    }
}

/// A version: what publish and yank answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    /// `namespace/name`.
    pub name: String,
    pub version: String,
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

impl From<(&TemplateRow, &VersionMetaRow)> for VersionView {
    fn from((t, v): (&TemplateRow, &VersionMetaRow)) -> Self {
        let name = t.full_name();
        VersionView {
            package_url: version_url(&name, &v.version, "package"),
            icon_url: v
                .icon
                .as_ref()
                .map(|_| version_url(&name, &v.version, "icon")),
            name,
            version: v.version.clone(),
            digest: v.digest.clone(),
            size: v.size,
            title: v.title.clone(),
            summary: v.summary.clone(),
            category: v.category.clone(),
            tags: v.tag_list(),
            upgrade_from: v.upgrade_from.clone(),
            yanked: v.yanked,
            published_at: utc(v.published_at),
        }
    }
}

/// A version in full: its metadata, the normalised manifest, readme and changelog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionView,
    /// The manifest (`souk.yaml`) as normalised JSON.
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    /// The readme's markdown.
    pub readme: Option<String>,
    /// The changelog's markdown.
    pub changelog: Option<String>,
}

impl From<(&TemplateRow, &VersionRow)> for VersionDetail {
    fn from((t, v): (&TemplateRow, &VersionRow)) -> Self {
        VersionDetail {
            version: VersionView::from((t, &v.meta)),
            manifest: serde_json::from_str(&v.manifest).unwrap_or(serde_json::Value::Null),
            readme: v.readme.clone(),
            changelog: v.changelog.clone(),
        }
    }
}

/// A template: its latest version in full, and every version, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateView {
    #[serde(flatten)]
    pub latest: VersionDetail,
    pub namespace: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Highest semver first.
    pub versions: Vec<VersionEntry>,
}

impl From<(&TemplateWithVersions, &VersionRow)> for TemplateView {
    /// `t.versions` must already be sorted newest first.
    fn from((t, latest): (&TemplateWithVersions, &VersionRow)) -> Self {
        TemplateView {
            latest: VersionDetail::from((&t.template, latest)),
            namespace: t.template.namespace.clone(),
            created_at: utc(t.template.created_at),
            updated_at: utc(t.template.updated_at),
            versions: t.versions.iter().map(VersionEntry::from).collect(),
        }
    }
}

/// `GET …/resolve`: the chosen version and how to get there.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResolutionView {
    /// `namespace/name`.
    pub template: String,
    pub version: String,
    pub digest: String,
    /// Versions to install in turn, ending with `version`.
    pub path: Vec<String>,
}

/// An event of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
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

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        EventView {
            id: e.id,
            kind: e.kind,
            template: e.template,
            version: e.version,
            digest: e.digest,
            at: utc(e.created_at),
        }
    }
}

/// `GET /events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventsPage {
    /// Oldest first, at most 100.
    pub events: Vec<EventView>,
    /// Pass as `since` next time: the last event's id, or the feed's head when
    /// no event matched.
    pub cursor: i64,
}

/// `PUT …/yank`; an empty body yanks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YankRequest {
    pub yanked: bool,
}

/// `POST /tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `admin`, `publish:<namespace>`, `publish:*`, `read`, `agent`.
    pub scopes: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// A new token; `token` is shown this once and never again.
#[derive(Serialize, ToSchema)]
pub struct NewToken {
    pub id: i64,
    pub token: String,
    pub scopes: Vec<String>,
    pub description: String,
}
