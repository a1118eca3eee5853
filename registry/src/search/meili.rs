//! The Meilisearch backend (`SOUK_SEARCH_URL`), for a market that outgrows
//! one machine.
//!
//! souk owns the index's settings and sets them at start (searchable
//! attributes in the embedded index's order of weight, filterable and sortable
//! attributes, ranking rules with yanked-only templates last and installs as
//! the tie-breaker). Documents go in batches (`add_or_replace` of many
//! documents per request); the caller (`domain::index`) feeds them from the
//! event outbox and retries. Meilisearch brings its own typo tolerance,
//! prefix search and CJK segmentation (charabia, jieba-based for Chinese).

use super::{top_facets, Document, Hits, Query, SearchIndex, Sort, MAX_FACET_VALUES};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::settings::{FacetSortValue, FacetingSettings, Settings};
use meilisearch_sdk::task_info::TaskInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Documents per request when replacing the whole index.
const BATCH: usize = 1_000;
/// How long to wait for Meilisearch to process one task.
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const TASK_POLL: Duration = Duration::from_millis(50);

/// What Meilisearch stores per template.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MeiliDoc {
    /// The primary key: `namespace/name` hex-encoded, because Meilisearch ids
    /// allow only `[A-Za-z0-9_-]`.
    id: String,
    name: String,
    title: String,
    /// The title lowercased: what `sort=name` orders by.
    sort_title: String,
    summary: String,
    tags: Vec<String>,
    readme: String,
    category: String,
    version: String,
    has_icon: bool,
    /// Unix seconds, sortable.
    updated_at: i64,
    /// 1 when every version is yanked (a number: sortable everywhere).
    yanked: u8,
    installs: u64,
}

fn doc_id(name: &str) -> String {
    hex::encode(name.as_bytes())
}

impl From<Document> for MeiliDoc {
    fn from(d: Document) -> Self {
        MeiliDoc {
            id: doc_id(&d.name),
            name: d.name,
            sort_title: d.title.trim().to_lowercase(),
            title: d.title,
            summary: d.summary,
            tags: d.tags,
            readme: d.readme,
            category: d.category,
            version: d.version,
            has_icon: d.has_icon,
            updated_at: d.updated_at.timestamp(),
            yanked: u8::from(d.yanked),
            installs: d.installs,
        }
    }
}

impl From<MeiliDoc> for Document {
    fn from(d: MeiliDoc) -> Self {
        Document {
            name: d.name,
            title: d.title,
            summary: d.summary,
            tags: d.tags,
            readme: d.readme,
            category: d.category,
            version: d.version,
            has_icon: d.has_icon,
            updated_at: DateTime::<Utc>::from_timestamp(d.updated_at, 0).unwrap_or_default(),
            yanked: d.yanked != 0,
            installs: d.installs,
        }
    }
}

/// The settings souk sets on its index at every start.
fn settings() -> Settings {
    Settings::new()
        // In the embedded index's order of weight: Meilisearch's `attribute`
        // rule ranks a match in an earlier attribute first.
        .with_searchable_attributes(["name", "title", "tags", "summary", "readme"])
        .with_filterable_attributes(["category", "tags", "yanked"])
        .with_sortable_attributes(["updated_at", "name", "sort_title", "yanked", "installs"])
        .with_ranking_rules([
            // Yanked-only templates after every live one, whatever the order.
            "yanked:asc",
            // An explicit `sort` (recent, name) beats relevance.
            "sort",
            "words",
            "typo",
            "proximity",
            "attribute",
            "exactness",
            // Popularity, then freshness, break the remaining ties.
            "installs:desc",
            "updated_at:desc",
        ])
        .with_faceting(FacetingSettings {
            max_values_per_facet: MAX_FACET_VALUES,
            sort_facet_values_by: Some(BTreeMap::from([("*".to_string(), FacetSortValue::Count)])),
        })
}

/// A Meilisearch index of templates.
pub struct MeiliIndex {
    client: Client,
    uid: String,
    url: String,
}

impl std::fmt::Debug for MeiliIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeiliIndex")
            .field("url", &self.url)
            .field("uid", &self.uid)
            .finish_non_exhaustive()
    }
}

/// Quote a filter value: `"…"` with `"` and `\` escaped.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

impl MeiliIndex {
    /// A client of the index `uid` at `url` (nothing is sent yet).
    pub fn new(url: &str, key: Option<&str>, uid: &str) -> Result<MeiliIndex> {
        let client = Client::new(url.trim_end_matches('/'), key).map_err(|e| {
            Error::internal(format!("creating a Meilisearch client for `{url}`"), e)
        })?;
        Ok(MeiliIndex {
            client,
            uid: uid.to_string(),
            url: url.to_string(),
        })
    }

    fn fail(&self, doing: &str, e: impl std::fmt::Display) -> Error {
        // Unavailable, not internal: the registry works, its search engine
        // does not answer; the message names the engine, never the key.
        Error::Unavailable(format!(
            "search is unavailable: {doing} on Meilisearch `{}`: {e}",
            self.url
        ))
    }

    /// Wait for `task` and turn its failure into an error.
    async fn finish(&self, doing: &str, task: TaskInfo) -> Result<()> {
        let done = task
            .wait_for_completion(&self.client, Some(TASK_POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(|e| self.fail(doing, e))?;
        if done.is_failure() {
            return Err(self.fail(doing, done.unwrap_failure()));
        }
        Ok(())
    }

    async fn add(&self, docs: Vec<Document>) -> Result<()> {
        let docs: Vec<MeiliDoc> = docs.into_iter().map(MeiliDoc::from).collect();
        let index = self.client.index(&self.uid);
        let mut last = None;
        for chunk in docs.chunks(BATCH) {
            let task = index
                .add_or_replace(chunk, Some("id"))
                .await
                .map_err(|e| self.fail("sending documents", e))?;
            last = Some(task);
        }
        // Tasks of one index run in order: the last one done means all are.
        if let Some(task) = last {
            self.finish("indexing documents", task).await?;
        }
        Ok(())
    }

    async fn run_search(&self, query: &Query) -> Result<Hits> {
        let index = self.client.index(&self.uid);
        let mut filters = Vec::new();
        if let Some(c) = &query.category {
            filters.push(format!("category = {}", quoted(c)));
        }
        if let Some(t) = &query.tag {
            filters.push(format!("tags = {}", quoted(t)));
        }
        let filter = filters.join(" AND ");
        let text = query.text.trim();
        let sort: &[&str] = match query.sort {
            Sort::Relevance if !text.is_empty() => &[],
            Sort::Relevance | Sort::Recent => &["updated_at:desc", "name:asc"],
            Sort::Name => &["sort_title:asc", "name:asc"],
            Sort::Popular => &["installs:desc", "updated_at:desc"],
        };
        let facets = ["category", "tags"];
        let mut search = index.search();
        search
            .with_query(text)
            .with_facets(Selectors::Some(&facets))
            .with_sort(sort);
        // Page mode gives the exact total; offsets that are not a whole number
        // of pages (never used by souk's API) fall back to an estimate.
        let limit = query.limit.max(1);
        if query.offset % limit == 0 {
            search
                .with_page(query.offset / limit + 1)
                .with_hits_per_page(query.limit);
        } else {
            search.with_offset(query.offset).with_limit(query.limit);
        }
        if !filter.is_empty() {
            search.with_filter(&filter);
        }
        let found = search
            .execute::<MeiliDoc>()
            .await
            .map_err(|e| self.fail("searching", e))?;
        let mut distribution = found.facet_distribution.unwrap_or_default();
        let mut facet = |name: &str| {
            top_facets(
                distribution.remove(name).unwrap_or_default(),
                MAX_FACET_VALUES,
            )
        };
        let categories = facet("category");
        let tags = facet("tags");
        Ok(Hits {
            total: found
                .total_hits
                .or(found.estimated_total_hits)
                .unwrap_or(found.hits.len()),
            items: found
                .hits
                .into_iter()
                .take(query.limit)
                .map(|h| h.result.into())
                .collect(),
            categories,
            tags,
        })
    }
}

impl SearchIndex for MeiliIndex {
    fn backend(&self) -> &'static str {
        "meilisearch"
    }

    fn index_uid(&self) -> &str {
        &self.uid
    }

    fn follows_outbox(&self) -> bool {
        true
    }

    fn configure(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let index = self.client.index(&self.uid);
            let task = index
                .set_settings(&settings())
                .await
                .map_err(|e| self.fail("setting the index settings", e))?;
            self.finish("setting the index settings", task).await
        })
    }

    fn replace_all(&self, docs: Vec<Document>) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let task = self
                .client
                .index(&self.uid)
                .delete_all_documents()
                .await
                .map_err(|e| self.fail("clearing the index", e))?;
            if docs.is_empty() {
                return self.finish("clearing the index", task).await;
            }
            self.add(docs).await
        })
    }

    fn upsert(&self, docs: Vec<Document>) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.add(docs))
    }

    fn remove(&self, names: Vec<String>) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if names.is_empty() {
                return Ok(());
            }
            let ids: Vec<String> = names.iter().map(|n| doc_id(n)).collect();
            let task = self
                .client
                .index(&self.uid)
                .delete_documents(&ids)
                .await
                .map_err(|e| self.fail("removing documents", e))?;
            self.finish("removing documents", task).await
        })
    }

    fn search<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Hits>> {
        Box::pin(self.run_search(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_meilisearch_ids_and_documents_round_trip() {
        let id = doc_id("acme/smart-warehouse");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        let d = Document {
            name: "acme/smart-warehouse".into(),
            title: "智慧仓储".into(),
            summary: "s".into(),
            tags: vec!["wms".into()],
            readme: String::new(),
            category: "logistics".into(),
            version: "2.0.0".into(),
            has_icon: true,
            updated_at: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap(),
            yanked: true,
            installs: 7,
        };
        assert_eq!(Document::from(MeiliDoc::from(d.clone())), d);
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
