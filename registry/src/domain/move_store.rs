//! `souk-registry migrate-store`: copy every published version's package from
//! one store to another (the embedded folder to an OCI registry), checking the
//! digest on both sides.
//!
//! The database says which packages exist: a store holds blobs, the database
//! holds which version each belongs to, and the OCI store needs both. Each
//! package is read from the source (checked against its digest), put in the
//! target (idempotent, so a run can be repeated after a failure) and read back
//! from the target (checked again). A package that fails is reported and the
//! others still move; the registry is switched to the target only by its
//! operator, after a run without failures.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::store::{PackageRef, PackageStore};
use souk_schema::{Digest, TemplateName};

/// What a run did.
#[derive(Debug, Default)]
pub struct StoreMigration {
    /// Packages now in the target store, checked there.
    pub moved: Vec<PackageRef>,
    /// Packages that could not be moved, and why.
    pub failed: Vec<(String, Error)>,
}

/// Copy every version's package from `from` to `to`.
pub async fn move_packages(
    db: &Db,
    from: &dyn PackageStore,
    to: &dyn PackageStore,
) -> Result<StoreMigration> {
    let mut report = StoreMigration::default();
    for t in db.all_templates().await? {
        let full_name = t.template.full_name();
        for v in &t.versions {
            let what = format!("{full_name}@{}", v.version);
            let package = match package_ref(&full_name, &v.version, &v.digest) {
                Ok(p) => p,
                Err(e) => {
                    report.failed.push((what, e));
                    continue;
                }
            };
            match move_one(&package, from, to).await {
                Ok(()) => {
                    tracing::info!(
                        template.name = %package.template,
                        template.version = %package.version,
                        digest = %package.digest,
                        "package moved"
                    );
                    report.moved.push(package);
                }
                Err(e) => report.failed.push((what, e)),
            }
        }
    }
    Ok(report)
}

fn package_ref(name: &str, version: &str, digest: &str) -> Result<PackageRef> {
    let bad = |e: String| Error::internal(format!("reading the version row `{name}@{version}`"), e);
    Ok(PackageRef {
        template: TemplateName::parse(name).map_err(bad)?,
        version: version
            .parse()
            .map_err(|e: semver::Error| bad(e.to_string()))?,
        digest: Digest::parse(digest).map_err(bad)?,
    })
}

async fn move_one(
    package: &PackageRef,
    from: &dyn PackageStore,
    to: &dyn PackageStore,
) -> Result<()> {
    let missing = |store: &str| {
        Error::internal(
            format!("moving the package `{}`", package.digest),
            format!("it is missing from the {store} store"),
        )
    };
    // `get` checks the bytes against the digest on both sides.
    let bytes = from.get(package).await?.ok_or_else(|| missing("source"))?;
    to.put(package, bytes).await?;
    to.get(package).await?.ok_or_else(|| missing("target"))?;
    Ok(())
}
