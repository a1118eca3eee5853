//! The package store in a local folder: `<root>/packages/sha256/<2 hex>/<hex>.tgz`.
//!
//! Writes are atomic and durable: a temporary file in the target folder is
//! written, fsynced and renamed into place, then the folder is fsynced. A crash
//! can leave a `.tmp*` file (removed at a later start once it is an hour old) or
//! a blob no version references, never a partial blob under a digest's name.

use super::{verify, PackageRef, PackageStore};
use crate::error::{Error, Result};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use souk_schema::Digest;
use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Packages in a folder on the local disk.
#[derive(Debug, Clone)]
pub struct FolderStore {
    /// `<root>/packages/sha256`.
    dir: PathBuf,
}

impl FolderStore {
    /// The store under `root`, creating its folder when missing.
    pub fn open(root: &Path) -> Result<FolderStore> {
        let dir = root.join("packages").join("sha256");
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::internal(
                format!("creating the package folder `{}`", dir.display()),
                e,
            )
        })?;
        remove_stale_temporaries(&dir, std::time::Duration::from_secs(3600));
        Ok(FolderStore { dir })
    }

    /// Where the package with `digest` lives.
    pub fn path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.dir.join(&hex[..2]).join(format!("{hex}.tgz"))
    }

    fn put_blocking(&self, digest: &Digest, bytes: &[u8]) -> Result<()> {
        let path = self.path(digest);
        let io = |what: &str, e: std::io::Error| {
            Error::internal(format!("{what} `{}`", path.display()), e)
        };
        match std::fs::read(&path) {
            Ok(existing) if Digest::of(&existing) == *digest => return Ok(()),
            // A corrupt blob under this name is replaced by the good bytes.
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io("reading the package", e)),
        }
        let shard = path.parent().expect("a package path has a folder");
        std::fs::create_dir_all(shard).map_err(|e| io("creating the folder of", e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(shard)
            .map_err(|e| io("creating a temporary file for", e))?;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| io("writing the package", e))?;
        tmp.persist(&path)
            .map_err(|e| io("moving the package into place at", e.error))?;
        // The rename, and a shard folder made just now, are durable only once
        // their folders are synced.
        sync_dir(shard).map_err(|e| io("syncing the folder of", e))?;
        sync_dir(&self.dir).map_err(|e| io("syncing the folder of", e))?;
        Ok(())
    }

    fn get_blocking(&self, digest: &Digest) -> Result<Option<Bytes>> {
        let path = self.path(digest);
        match std::fs::read(&path) {
            Ok(bytes) => verify(digest, bytes.into()).map(Some),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::internal(
                format!("reading the package `{}`", path.display()),
                e,
            )),
        }
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Run blocking file work off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal("a package store task did not finish", e))?
}

impl PackageStore for FolderStore {
    fn put<'a>(&'a self, package: &'a PackageRef, bytes: Bytes) -> BoxFuture<'a, Result<()>> {
        let (store, digest) = (self.clone(), package.digest.clone());
        blocking(move || store.put_blocking(&digest, &bytes)).boxed()
    }

    fn get<'a>(&'a self, package: &'a PackageRef) -> BoxFuture<'a, Result<Option<Bytes>>> {
        let (store, digest) = (self.clone(), package.digest.clone());
        blocking(move || store.get_blocking(&digest)).boxed()
    }

    fn check(&self) -> BoxFuture<'_, Result<()>> {
        let dir = self.dir.clone();
        blocking(move || {
            let md = std::fs::metadata(&dir).map_err(|e| {
                Error::internal(format!("reading the package folder `{}`", dir.display()), e)
            })?;
            if md.is_dir() && !md.permissions().readonly() {
                Ok(())
            } else {
                Err(Error::internal(
                    format!("checking the package folder `{}`", dir.display()),
                    "not a writable folder",
                ))
            }
        })
        .boxed()
    }
}

/// Remove the `.tmp-*` files a crash left in the shard folders. Only old ones:
/// another process sharing the folder may be writing a young one right now.
fn remove_stale_temporaries(dir: &Path, older_than: std::time::Duration) {
    let Ok(shards) = std::fs::read_dir(dir) else {
        return;
    };
    for shard in shards.flatten().filter(|e| e.path().is_dir()) {
        let Ok(files) = std::fs::read_dir(shard.path()) else {
            continue;
        };
        for f in files.flatten() {
            let stale = f.file_name().to_string_lossy().starts_with(".tmp-")
                && f.metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age >= older_than);
            if stale && std::fs::remove_file(f.path()).is_ok() {
                tracing::info!(path = %f.path().display(), "removed a temporary file a crash left behind");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_is_idempotent_and_get_verifies() {
        let root = tempfile::tempdir().unwrap();
        let store = FolderStore::open(root.path()).unwrap();
        let bytes = Bytes::from_static(b"a package");
        let digest = Digest::of(&bytes);
        let package = PackageRef {
            template: "acme/app".parse().unwrap(),
            version: semver::Version::new(1, 0, 0),
            digest: digest.clone(),
        };
        assert!(store.get(&package).await.unwrap().is_none());
        store.put(&package, bytes.clone()).await.unwrap();
        store.put(&package, bytes.clone()).await.unwrap();
        assert_eq!(store.get(&package).await.unwrap().unwrap(), bytes);

        let path = store.path(&digest);
        assert!(path.starts_with(root.path().join("packages/sha256")));
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("{}.tgz", digest.hex())
        );
        // Only the blob is left: no temporary file.
        let shard: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(shard.len(), 1);

        std::fs::write(&path, b"rotten").unwrap();
        assert!(store.get(&package).await.is_err());
        // Putting the right bytes again repairs it.
        store.put(&package, bytes.clone()).await.unwrap();
        assert_eq!(store.get(&package).await.unwrap().unwrap(), bytes);
        store.check().await.unwrap();
    }

    #[test]
    fn stale_temporaries_are_removed_at_open_and_young_ones_kept() {
        let root = tempfile::tempdir().unwrap();
        let shard = root.path().join("packages/sha256/ab");
        std::fs::create_dir_all(&shard).unwrap();
        std::fs::write(shard.join(".tmp-old"), b"partial").unwrap();
        std::fs::write(shard.join("abcd.tgz"), b"a blob").unwrap();
        remove_stale_temporaries(
            &root.path().join("packages/sha256"),
            std::time::Duration::ZERO,
        );
        assert!(!shard.join(".tmp-old").exists());
        assert!(shard.join("abcd.tgz").exists(), "blobs are never touched");
        std::fs::write(shard.join(".tmp-young"), b"being written").unwrap();
        FolderStore::open(root.path()).unwrap();
        assert!(
            shard.join(".tmp-young").exists(),
            "a young one may be in use"
        );
    }
}
