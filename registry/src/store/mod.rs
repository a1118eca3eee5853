//! Where packages live, behind [`PackageStore`] so that an OCI registry can take
//! the folder's place by configuration alone.
//!
//! Packages are content-addressed: the sha256 digest of the bytes identifies
//! them. Storing is therefore idempotent, and every read is checked against the
//! digest, so a corrupted blob is an error and is never served. A store is
//! handed the whole [`PackageRef`] because not every store is keyed by digest
//! alone: the folder uses only the digest, the OCI store names an artifact by
//! template and version (the tag) and fetches its blob by digest.

mod folder;
mod oci;

pub use folder::FolderStore;
pub use oci::{OciStore, ARTIFACT_TYPE, LAYER_MEDIA_TYPE};

use crate::error::{Error, Result};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use souk_schema::{Digest, TemplateName};

/// Which package: the version it is the package of, and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRef {
    pub template: TemplateName,
    pub version: semver::Version,
    /// The sha256 of the `.tgz` bytes: what every read is checked against.
    pub digest: Digest,
}

/// A content-addressed package store.
pub trait PackageStore: Send + Sync + 'static {
    /// Store `bytes`, whose digest is `package.digest`. Idempotent; when it
    /// returns the package is durable.
    fn put<'a>(&'a self, package: &'a PackageRef, bytes: Bytes) -> BoxFuture<'a, Result<()>>;

    /// The bytes of `package`, checked against its digest (see [`verify`]);
    /// `None` when the store has none.
    fn get<'a>(&'a self, package: &'a PackageRef) -> BoxFuture<'a, Result<Option<Bytes>>>;

    /// Is the store reachable and usable? (The health check asks.)
    fn check(&self) -> BoxFuture<'_, Result<()>>;
}

/// `bytes` if they hash to `digest`, else an internal error: the store handed
/// back something other than what was put.
pub fn verify(digest: &Digest, bytes: Bytes) -> Result<Bytes> {
    let actual = Digest::of(&bytes);
    if &actual == digest {
        Ok(bytes)
    } else {
        Err(Error::internal(
            format!("package `{digest}` in the store is corrupt"),
            format!("its bytes hash to `{actual}`"),
        ))
    }
}
