//! Where packages live, behind [`PackageStore`] so that an OCI registry can take
//! the folder's place by configuration alone.
//!
//! Packages are content-addressed: the key is the sha256 digest of the bytes.
//! Storing is therefore idempotent, and every read is checked against the key,
//! so a corrupted blob is an error and is never served.

mod folder;

pub use folder::FolderStore;

use crate::error::{Error, Result};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use souk_schema::Digest;

/// A content-addressed package store.
pub trait PackageStore: Send + Sync + 'static {
    /// Store `bytes`, whose digest is `digest`. Idempotent; when it returns the
    /// package is durable.
    fn put<'a>(&'a self, digest: &'a Digest, bytes: Bytes) -> BoxFuture<'a, Result<()>>;

    /// The package stored under `digest`, checked against it (see [`verify`]);
    /// `None` when there is none.
    fn get<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<Bytes>>>;

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
