//! Domain types and rows → the wire types of `souk_schema::wire`, the one
//! definition of every body the API answers (the CLI and the agent read the
//! same types). The HTML pages convert through here too.

use crate::cache::{TemplateDoc, VersionDoc};
use crate::db::{utc, CategoryRow, EventRow, TemplateRow, VersionMetaRow};
use crate::domain::catalog::SearchPage;
use crate::domain::feed::FeedPage;
use crate::error::{Error, Result};
use crate::search::Document;
use bytes::Bytes;
use souk_schema::wire::{
    version_url, Category, Event, EventsPage, Facets, SearchResults, Suggestion, TemplateSummary,
    TemplateView, VersionDetail, VersionEntry, VersionView,
};

/// A category and how many templates it holds.
pub fn category((c, count): (CategoryRow, i64)) -> Category {
    Category {
        slug: c.slug,
        name: c.name,
        name_zh: c.name_zh,
        count,
    }
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

impl From<SearchPage> for SearchResults {
    fn from(p: SearchPage) -> Self {
        SearchResults {
            items: p
                .hits
                .items
                .into_iter()
                .map(TemplateSummary::from)
                .collect(),
            total: p.hits.total,
            page: p.page,
            per_page: p.per_page,
            facets: Facets {
                category: p.hits.categories,
                tags: p.hits.tags,
            },
        }
    }
}

impl From<Document> for Suggestion {
    fn from(d: Document) -> Self {
        Suggestion {
            name: d.name,
            title: d.title,
        }
    }
}

impl From<&VersionMetaRow> for VersionEntry {
    fn from(v: &VersionMetaRow) -> Self {
        VersionEntry {
            version: v.semver(),
            digest: v.digest.clone(),
            published_at: utc(v.published_at),
            yanked: v.yanked,
        }
    }
}

/// A version's metadata, as publish and yank answer it.
pub fn version_view(t: &TemplateRow, v: &VersionMetaRow) -> VersionView {
    let name = t.full_name();
    VersionView {
        package_url: version_url(&name, &v.version, "package"),
        icon_url: v
            .icon
            .as_ref()
            .map(|_| version_url(&name, &v.version, "icon")),
        name,
        version: v.semver(),
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

impl From<&VersionDoc> for VersionDetail {
    fn from(d: &VersionDoc) -> Self {
        VersionDetail {
            version: version_view(&d.template, &d.version.meta),
            manifest: d.manifest.clone(),
            readme: d.version.readme.clone(),
            changelog: d.version.changelog.clone(),
        }
    }
}

impl From<&TemplateDoc> for TemplateView {
    fn from(d: &TemplateDoc) -> Self {
        let t = &d.template.template;
        TemplateView {
            latest: VersionDetail::from(&d.latest),
            namespace: t.namespace.clone(),
            created_at: utc(t.created_at),
            updated_at: utc(t.updated_at),
            versions: d.template.versions.iter().map(VersionEntry::from).collect(),
        }
    }
}

/// `GET /templates/{ns}/{name}`'s body: serialised once per cached document.
pub fn template_json(d: &TemplateDoc) -> Result<Bytes> {
    if let Some(json) = d.rendered.get() {
        return Ok(json.clone());
    }
    let json = serde_json::to_vec(&TemplateView::from(d))
        .map_err(|e| Error::internal("serialising a template document", e))?;
    Ok(d.rendered.get_or_init(|| Bytes::from(json)).clone())
}

impl From<EventRow> for Event {
    fn from(e: EventRow) -> Self {
        Event {
            id: e.id,
            kind: e.kind,
            template: e.template,
            version: e.version,
            digest: e.digest,
            at: utc(e.created_at),
        }
    }
}

impl From<FeedPage> for EventsPage {
    fn from(p: FeedPage) -> Self {
        EventsPage {
            events: p.events.into_iter().map(Event::from).collect(),
            cursor: p.cursor,
        }
    }
}
