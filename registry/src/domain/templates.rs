//! Reading templates and versions, downloading packages and icons, yanking.

use super::{blocking, follow, latest, newest_first};
use crate::auth::Principal;
use crate::cache::{TemplateDoc, VersionDoc};
use crate::db::{TemplateRow, VersionMetaRow, VersionRow};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::PackageRef;
use bytes::Bytes;
use semver::Version;
use souk_schema::resolve::Candidate;
use souk_schema::{Digest, TemplateName};
use std::sync::{Arc, OnceLock};

/// A template with its versions (newest first), its latest version in full
/// and its resolution candidates: from the cache, or loaded from the database
/// and cached; 404 when it does not exist.
pub async fn show(state: &AppState, name: &TemplateName) -> Result<Arc<TemplateDoc>> {
    let key = name.to_string();
    if let Some(hit) = state.cache.get(&key) {
        return Ok(hit);
    }
    let generation = state.cache.generation();
    let mut t = state
        .db
        .template(name.namespace().to_string(), name.name().to_string())
        .await?
        .ok_or_else(|| Error::TemplateNotFound(name.to_string()))?;
    newest_first(&mut t.versions);
    let latest = latest(&t.versions)
        .ok_or_else(|| Error::TemplateNotFound(name.to_string()))?
        .semver();
    let latest = version(state, name, &latest).await?;
    let candidates = t
        .versions
        .iter()
        .map(|v| Candidate {
            version: v.semver(),
            upgrade_from: v.upgrade_from.as_deref().and_then(|r| r.parse().ok()),
            yanked: v.yanked,
        })
        .collect();
    let entry = Arc::new(TemplateDoc {
        template: t,
        latest,
        candidates,
        rendered: OnceLock::new(),
    });
    state.cache.insert(key, generation, entry.clone());
    Ok(entry)
}

/// One version in full, with its manifest; 404 `template_not_found` or
/// `version_not_found`.
pub async fn version(
    state: &AppState,
    name: &TemplateName,
    version: &Version,
) -> Result<VersionDoc> {
    let (template, version) = find_version(state, name, version).await?;
    // The manifest was validated and stored by publish: failing to read it
    // back is ours, never the caller's.
    let manifest = serde_json::from_str(&version.manifest).map_err(|e| {
        Error::internal(
            format!(
                "reading the stored manifest of `{name}@{}`",
                version.meta.version
            ),
            e,
        )
    })?;
    Ok(VersionDoc {
        template,
        version,
        manifest,
    })
}

/// One version's rows; 404 `template_not_found` or `version_not_found`.
async fn find_version(
    state: &AppState,
    name: &TemplateName,
    version: &Version,
) -> Result<(TemplateRow, VersionRow)> {
    let (t, v) = state
        .db
        .version(
            name.namespace().to_string(),
            name.name().to_string(),
            version.to_string(),
        )
        .await?
        .ok_or_else(|| Error::TemplateNotFound(name.to_string()))?;
    let v = v.ok_or_else(|| Error::VersionNotFound {
        template: name.to_string(),
        version: version.to_string(),
    })?;
    Ok((t, v))
}

/// What a package download answers.
pub enum Download {
    /// The caller's copy (`If-None-Match`) is current.
    NotModified { digest: Digest },
    Package {
        digest: Digest,
        bytes: Bytes,
        /// `NAME-VERSION.tgz`.
        file_name: String,
    },
}

/// Does an `If-None-Match` header value name the ETag of `digest`?
fn matches_etag(if_none_match: &str, digest: &Digest) -> bool {
    let etag = format!("\"{digest}\"");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// A version's digest, as stored.
fn digest_of(v: &VersionRow) -> Result<Digest> {
    Digest::parse(&v.meta.digest).map_err(|e| Error::internal("reading a version's digest", e))
}

/// The stored package of a version (yanked ones too), checked against its digest.
async fn read_package(
    state: &AppState,
    name: &TemplateName,
    v: &VersionRow,
    digest: &Digest,
) -> Result<Bytes> {
    let package = PackageRef {
        template: name.clone(),
        version: v.meta.semver(),
        digest: digest.clone(),
    };
    state.store.get(&package).await?.ok_or_else(|| {
        Error::internal(
            format!("reading the package `{digest}`"),
            "it is missing from the package store",
        )
    })
}

/// A version's package, unless the caller already has it.
pub async fn package(
    state: &AppState,
    name: &TemplateName,
    version: &Version,
    if_none_match: Option<&str>,
) -> Result<Download> {
    let (_, v) = find_version(state, name, version).await?;
    let digest = digest_of(&v)?;
    if if_none_match.is_some_and(|inm| matches_etag(inm, &digest)) {
        return Ok(Download::NotModified { digest });
    }
    let bytes = read_package(state, name, &v, &digest).await?;
    Ok(Download::Package {
        digest,
        bytes,
        file_name: format!("{}-{}.tgz", name.name(), v.meta.version),
    })
}

/// A version's icon and its media type; 404 when it has none.
pub async fn icon(
    state: &AppState,
    name: &TemplateName,
    version: &Version,
) -> Result<(Bytes, &'static str)> {
    let (_, v) = find_version(state, name, version).await?;
    let no_icon = || Error::NotFound(format!("`{name}@{version}` has no icon"));
    if v.meta.icon.is_none() {
        return Err(no_icon());
    }
    let bytes = read_package(state, name, &v, &digest_of(&v)?).await?;
    let icon = blocking(move || {
        // The package was validated when it was published: failing now is ours.
        let package = souk_schema::package::unpack(&bytes)
            .map_err(|e| Error::internal("unpacking a stored package", e))?;
        Ok::<_, Error>(
            package
                .icon()
                .map(|(data, media)| (Bytes::copy_from_slice(data), media)),
        )
    })
    .await??;
    icon.ok_or_else(no_icon)
}

/// Yank (or un-yank) a version. Emits `yanked`/`unyanked` when the flag changes.
pub async fn yank(
    state: &AppState,
    who: &Principal,
    name: &TemplateName,
    version: &Version,
    yanked: bool,
) -> Result<(TemplateRow, VersionMetaRow)> {
    who.require_publish(name.namespace())?;
    let (t, v) = find_version(state, name, version).await?;
    let (row, event) = state.db.set_yanked(t.clone(), v.meta.id, yanked).await?;
    if let Some(id) = event {
        follow::committed(state, name, id).await;
        tracing::info!(template.name = %name, template.version = %version, yanked, "yank changed");
    }
    Ok((t, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags() {
        let d = Digest::of(b"x");
        assert!(matches_etag(&format!("\"{d}\""), &d));
        assert!(matches_etag(&format!("\"a\", W/\"{d}\""), &d));
        assert!(matches_etag("*", &d));
        assert!(!matches_etag(&d.to_string(), &d));
        assert!(!matches_etag("\"sha256:00\"", &d));
    }
}
