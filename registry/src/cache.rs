//! The read cache of template documents and resolution candidates.
//!
//! Reads far outnumber writes (every agent resolves and re-reads on every
//! event), so a template's versions, its latest version with its manifest,
//! and its resolution candidates are kept in memory once read.
//!
//! Correctness rests on two rules:
//! - every committed event invalidates its template, through
//!   `domain::follow`: after the commit and before answering for this
//!   process's own commits, within the notification's delay for those of
//!   other replicas;
//! - a reader inserts what it loaded only if no invalidation happened since it
//!   began loading ([`Cache::generation`]), so a slow read that raced a
//!   write can never put back the state before the write.

use crate::db::{TemplateRow, TemplateWithVersions, VersionRow};
use bytes::Bytes;
use souk_schema::resolve::Candidate;
use souk_schema::Manifest;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// One version in full, as stored: its template, its row, and its manifest
/// read back from the stored JSON.
#[derive(Debug, Clone)]
pub struct VersionDoc {
    pub template: TemplateRow,
    pub version: VersionRow,
    pub manifest: Manifest,
}

/// What is kept of one template.
#[derive(Debug)]
pub struct TemplateDoc {
    /// The template and its versions, newest first.
    pub template: TemplateWithVersions,
    /// The version the template is shown as (see `domain::latest`).
    pub latest: VersionDoc,
    /// The versions as resolution sees them, in the order of `template.versions`.
    pub candidates: Vec<Candidate>,
    /// The HTTP answer made of this entry, serialised once by the first
    /// request that needs it and dropped with the entry: reads of a hot
    /// template cost a copy of these bytes, not a serialisation.
    pub rendered: OnceLock<Bytes>,
}

/// Templates by `namespace/name`.
pub type TemplateCache = Cache<TemplateDoc>;

/// Values by name, with the generation rule described above.
#[derive(Debug)]
pub struct Cache<V> {
    generation: AtomicU64,
    entries: RwLock<HashMap<String, Arc<V>>>,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            generation: AtomicU64::new(0),
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<V> Cache<V> {
    pub fn get(&self, name: &str) -> Option<Arc<V>> {
        self.entries
            .read()
            .expect("the cache lock is never poisoned")
            .get(name)
            .cloned()
    }

    /// Take this before loading from the database; pass it to [`Self::insert`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keep `value` unless an invalidation happened since `generation`.
    pub fn insert(&self, name: String, generation: u64, value: Arc<V>) {
        let mut entries = self
            .entries
            .write()
            .expect("the cache lock is never poisoned");
        // Checked under the write lock: `invalidate` bumps it under the same lock.
        if self.generation.load(Ordering::SeqCst) == generation {
            entries.insert(name, value);
        }
    }

    /// Forget `name`, after a commit that changed it.
    pub fn invalidate(&self, name: &str) {
        let mut entries = self
            .entries
            .write()
            .expect("the cache lock is never poisoned");
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_a_write_is_not_kept() {
        let cache: Cache<u32> = Cache::default();
        let before = cache.generation();
        cache.invalidate("acme/a"); // a write commits while the read is loading
        cache.insert("acme/a".into(), before, Arc::new(1));
        assert!(cache.get("acme/a").is_none());
        let now = cache.generation();
        cache.insert("acme/a".into(), now, Arc::new(2));
        assert_eq!(cache.get("acme/a").as_deref(), Some(&2));
        cache.invalidate("acme/a");
        assert!(cache.get("acme/a").is_none());
    }
}
