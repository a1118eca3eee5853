//! The demo catalog: the repository's `examples/` folder, compiled into the
//! binary (`examples/<ns>/<name>/<version>/souk.yaml` and its files), so that
//! `souk-registry serve --demo` shows a populated market anywhere.
//!
//! On first start only (no template in the database yet), every version is
//! packed with `souk_schema` and published in semver order through the same
//! [`publish`] the HTTP handler calls.

use crate::auth::Principal;
use crate::domain::publish::publish;
use crate::error::{Error, Result};
use crate::state::AppState;
use bytes::Bytes;
use include_dir::{include_dir, Dir};
use semver::Version;
use std::path::Path;

static EXAMPLES: Dir<'static> = include_dir!("$SOUK_EXAMPLES_DIR");

/// One example version, packed.
struct Packed {
    label: String,
    bytes: Bytes,
}

/// Publish the demo catalog unless the registry already holds templates;
/// returns how many versions were published.
pub async fn load(state: &AppState) -> Result<usize> {
    if state.db.count_templates().await? > 0 {
        tracing::info!("demo catalog skipped: the registry already holds templates");
        return Ok(0);
    }
    let packed = tokio::task::spawn_blocking(pack_all)
        .await
        .map_err(|e| Error::internal("packing the demo catalog", e))??;
    let mut published = 0;
    for p in packed {
        match publish(state, &Principal::system(), p.bytes).await {
            Ok(p) => {
                tracing::debug!(template.name = %p.template.full_name(), template.version = %p.version.version, "demo version published");
                published += 1;
            }
            // One broken example must not keep the registry from starting.
            Err(e) => tracing::warn!(example = %p.label, error = %e, "demo version skipped"),
        }
    }
    tracing::info!(versions = published, "demo catalog loaded");
    Ok(published)
}

/// Extract the examples to a temporary folder and pack every version folder, in
/// (namespace, name, semver) order.
fn pack_all() -> Result<Vec<Packed>> {
    let tmp = tempfile::tempdir()
        .map_err(|e| Error::internal("creating a folder for the demo catalog", e))?;
    EXAMPLES
        .extract(tmp.path())
        .map_err(|e| Error::internal("extracting the demo catalog", e))?;
    let mut found: Vec<(String, String, Version)> = Vec::new();
    for ns in subdirs(tmp.path())? {
        for name in subdirs(&tmp.path().join(&ns))? {
            for version in subdirs(&tmp.path().join(&ns).join(&name))? {
                let dir = tmp.path().join(&ns).join(&name).join(&version);
                match version.parse::<Version>() {
                    Ok(v) if dir.join("souk.yaml").is_file() => {
                        found.push((ns.clone(), name.clone(), v))
                    }
                    _ => {
                        tracing::warn!(folder = %dir.display(), "not a template version folder; skipped")
                    }
                }
            }
        }
    }
    found.sort();
    let mut packed = Vec::new();
    for (ns, name, version) in found {
        let label = format!("{ns}/{name}@{version}");
        let dir = tmp.path().join(&ns).join(&name).join(version.to_string());
        match souk_schema::package::pack_dir(&dir) {
            Ok(p) => packed.push(Packed {
                label,
                bytes: Bytes::from(p.bytes),
            }),
            Err(e) => {
                let detail = e.problems().map(ToString::to_string).unwrap_or_default();
                tracing::warn!(example = %label, error = %e, %detail, "demo version does not pack; skipped")
            }
        }
    }
    Ok(packed)
}

/// The names of the folders in `dir`, sorted.
fn subdirs(dir: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::internal(format!("reading `{}`", dir.display()), e))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}
