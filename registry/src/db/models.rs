//! Rows as they come out of the database, and the values that go in. Plain data:
//! the API turns them into wire types with `From`.

use super::schema::{api_tokens, categories, events, templates, versions};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// A market category.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
pub struct CategoryRow {
    pub slug: String,
    pub name: String,
    pub name_zh: String,
    pub position: i32,
}

/// A template: `namespace/name` and when it was created and last published.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = templates)]
pub struct TemplateRow {
    pub id: i64,
    pub namespace: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TemplateRow {
    /// `namespace/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A version without its large texts (manifest, readme, changelog): what
/// lists, resolution and search need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = versions)]
pub struct VersionMetaRow {
    pub id: i64,
    pub version: String,
    pub digest: String,
    pub size: i64,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: String,
    pub upgrade_from: Option<String>,
    pub icon: Option<String>,
    pub yanked: bool,
    pub published_at: NaiveDateTime,
}

/// A version with everything stored about it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = versions)]
pub struct VersionRow {
    #[diesel(embed)]
    pub meta: VersionMetaRow,
    pub manifest: String,
    pub readme: Option<String>,
    pub changelog: Option<String>,
}

impl VersionMetaRow {
    /// The version as semver. Rows are written from validated templates, so a
    /// version that does not parse sorts lowest rather than failing a request.
    pub fn semver(&self) -> semver::Version {
        self.version
            .parse()
            .unwrap_or_else(|_| semver::Version::new(0, 0, 0))
    }

    /// The tags, stored as a JSON array.
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

/// An event of the feed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub template: String,
    pub version: String,
    pub digest: String,
    pub created_at: NaiveDateTime,
}

/// A stored token: its id and scopes (never the token).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub scopes: String,
}

/// Everything a publish writes, in one transaction.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub namespace: String,
    pub name: String,
    pub version: String,
    pub digest: String,
    pub size: i64,
    pub title: String,
    pub summary: String,
    pub category: String,
    /// JSON array of strings.
    pub tags: String,
    pub upgrade_from: Option<String>,
    pub icon: Option<String>,
    /// The normalised manifest as JSON.
    pub manifest: String,
    pub readme: Option<String>,
    pub changelog: Option<String>,
}

/// What a publish wrote: the template, the version and the event's id.
#[derive(Debug, Clone)]
pub struct Published {
    pub template: TemplateRow,
    pub version: VersionMetaRow,
    pub event_id: i64,
}

/// A template with all its versions (in no particular order).
#[derive(Debug, Clone)]
pub struct TemplateWithVersions {
    pub template: TemplateRow,
    pub versions: Vec<VersionMetaRow>,
}

/// A stored UTC timestamp as a `DateTime<Utc>`.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}
