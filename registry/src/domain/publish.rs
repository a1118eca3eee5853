//! Publishing a version: all or nothing, crash included.
//!
//! 1. unpack and validate the `.tgz` (every problem at once; unsafe entries and
//!    limits refused before anything is extracted);
//! 2. check that the token may publish in the namespace, that the category is
//!    known and that the version is new (a fast answer before any write);
//! 3. put the package in the store, by digest (idempotent);
//! 4. in ONE transaction: template (upsert), version with its search fields, and
//!    the `published` event (the outbox);
//! 5. after the commit, before answering: apply it here (read cache, search
//!    index, long polls; `follow::committed`).
//!
//! A crash before 4 commits leaves at most an unreferenced blob; the same
//! publish can simply be retried. A unique violation in 4 (a concurrent publish
//! of the same version) is the same 409 as the check in 2.

use super::{blocking, follow};
use crate::auth::Principal;
use crate::db::{NewVersion, Published};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::PackageRef;
use bytes::Bytes;
use souk_schema::package::{unpack, Package};
use souk_schema::{Problem, Problems};
use std::time::Instant;

/// Publish the package `bytes` on behalf of `who`. The HTTP handler and the demo
/// catalog both come through here.
pub async fn publish(state: &AppState, who: &Principal, bytes: Bytes) -> Result<Published> {
    let started = Instant::now();
    let package = check(state, who, bytes.clone()).await?;
    let template = &package.template;
    let name = template.name();
    let version = template.version().to_string();

    let stored = PackageRef {
        template: name.clone(),
        version: template.version().clone(),
        digest: package.digest.clone(),
    };
    state.store.put(&stored, bytes).await?;
    let published = state.db.publish(new_version(&package)).await?;
    follow::committed(state, name, published.event_id).await;
    state.metrics.published(started.elapsed());
    tracing::info!(
        template.name = %name,
        template.version = %version,
        digest = %package.digest,
        duration_ms = started.elapsed().as_millis() as u64,
        "published"
    );
    Ok(published)
}

/// Everything [`publish`] checks before it writes (steps 1 and 2): the package
/// as it would be published, or every reason it would be refused. The dev
/// console's "validate" calls this alone.
pub async fn check(state: &AppState, who: &Principal, bytes: Bytes) -> Result<Package> {
    let package = blocking(move || unpack(&bytes)).await??;
    let template = &package.template;
    let name = template.name();
    let version = template.version().to_string();
    who.require_publish(name.namespace())?;

    let category = &template.manifest().category;
    let known = state.db.category_slugs().await?;
    if !known.contains(category) {
        return Err(Error::InvalidTemplate(Problems(vec![Problem::new(
            "category",
            format!(
                "unknown category `{category}`; known categories: {}",
                known
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )])));
    }
    let (ns, short) = (name.namespace().to_string(), name.name().to_string());
    if state
        .db
        .version_exists(ns.clone(), short.clone(), version.clone())
        .await?
    {
        return Err(Error::VersionExists {
            template: name.to_string(),
            version,
        });
    }
    Ok(package)
}

/// The rows a package becomes.
fn new_version(package: &Package) -> NewVersion {
    let t = &package.template;
    let m = t.manifest();
    NewVersion {
        namespace: t.name().namespace().to_string(),
        name: t.name().name().to_string(),
        version: t.version().to_string(),
        digest: package.digest.to_string(),
        size: package.size as i64,
        title: m.title.clone(),
        summary: m.summary.clone(),
        category: m.category.clone(),
        tags: serde_json::Value::from(m.tags.clone()).to_string(),
        upgrade_from: t.upgrade_from().map(|r| r.to_string()),
        icon: package.icon().and(m.icon.clone()),
        manifest: m.to_json().to_string(),
        readme: package.readme().map(str::to_string),
        changelog: package.changelog().map(str::to_string),
    }
}
