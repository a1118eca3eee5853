//! Keeping the search index in step with the database (see the invariant in
//! [`crate::search`]).

use super::latest;
use crate::db::{utc, TemplateWithVersions, VersionMetaRow};
use crate::error::Result;
use crate::search::Document;
use crate::startup::AppState;
use souk_schema::TemplateName;
use std::collections::HashMap;

/// The version a template is found by: its latest, unless every version is
/// yanked (`latest` falls back to a yanked one only then).
fn latest_live(t: &TemplateWithVersions) -> Option<&VersionMetaRow> {
    latest(&t.versions).filter(|v| !v.yanked)
}

/// The search document of a template, or `None` when every version is yanked
/// (such templates are not found).
fn document(t: &TemplateWithVersions, readmes: &HashMap<i64, String>) -> Option<Document> {
    let v = latest_live(t)?;
    Some(Document {
        name: t.template.full_name(),
        title: v.title.clone(),
        summary: v.summary.clone(),
        tags: v.tag_list(),
        readme: readmes.get(&v.id).cloned().unwrap_or_default(),
        category: v.category.clone(),
        version: v.version.clone(),
        has_icon: v.icon.is_some(),
        updated_at: utc(t.template.updated_at),
    })
}

/// The ids of the versions whose readme the documents of `templates` need.
fn latest_ids(templates: &[TemplateWithVersions]) -> Vec<i64> {
    templates
        .iter()
        .filter_map(|t| latest_live(t).map(|v| v.id))
        .collect()
}

/// Rebuild the whole index from the database; returns how many templates it holds.
pub async fn rebuild(state: &AppState) -> Result<usize> {
    let _serial = state.index_lock.lock().await;
    let templates = state.db.all_templates().await?;
    let readmes = state.db.readmes(latest_ids(&templates)).await?;
    let docs: Vec<Document> = templates
        .iter()
        .filter_map(|t| document(t, &readmes))
        .collect();
    let n = docs.len();
    state.search.replace_all(docs);
    Ok(n)
}

/// Re-read one template from the database and update its document, after a
/// commit that changed it.
///
/// Refreshes are serialised and each reads after its own commit, so the last
/// one to run has seen every commit before it: a slow refresh can never put an
/// older state back. A failure here is logged, not returned: the change is
/// committed, so the caller must hear of its success, and the next start
/// rebuilds the index from the database anyway.
pub async fn refresh(state: &AppState, name: &TemplateName) {
    let result: Result<()> = async {
        let _serial = state.index_lock.lock().await;
        let key = name.to_string();
        let Some(t) = state
            .db
            .template(name.namespace().to_string(), name.name().to_string())
            .await?
        else {
            state.search.remove(&key);
            return Ok(());
        };
        let readmes = state
            .db
            .readmes(latest_ids(std::slice::from_ref(&t)))
            .await?;
        match document(&t, &readmes) {
            Some(doc) => state.search.upsert(doc),
            None => state.search.remove(&key),
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(
            template.name = %name,
            error = %e,
            "could not refresh the search index; it is rebuilt at the next start"
        );
    }
}
