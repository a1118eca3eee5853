//! What the registry does, independent of HTTP: each handler parses its request
//! into domain types and calls one function here.

pub mod catalog;
pub mod feed;
pub mod fleet;
pub mod follow;
pub mod index;
pub mod move_store;
pub mod publish;
pub mod resolve;
pub mod templates;
pub mod tokens;

use crate::db::VersionMetaRow;
use crate::error::{Error, Result};

/// The version a template is shown as: the highest stable version not yanked,
/// else the highest not yanked, else the highest.
pub fn latest(versions: &[VersionMetaRow]) -> Option<&VersionMetaRow> {
    let highest = |keep: fn(&VersionMetaRow) -> bool| {
        versions
            .iter()
            .filter(|v| keep(v))
            .max_by_key(|v| v.semver())
    };
    highest(|v| !v.yanked && v.semver().pre.is_empty())
        .or_else(|| highest(|v| !v.yanked))
        .or_else(|| highest(|_| true))
}

/// Sort versions by semver, highest first.
pub fn newest_first(versions: &mut [VersionMetaRow]) {
    versions.sort_by_key(|v| std::cmp::Reverse(v.semver()));
}

/// Run CPU-heavy work (unpacking, packing) off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal("a blocking task did not finish", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(version: &str, yanked: bool) -> VersionMetaRow {
        VersionMetaRow {
            id: 0,
            version: version.into(),
            digest: String::new(),
            size: 0,
            title: String::new(),
            summary: String::new(),
            category: String::new(),
            tags: "[]".into(),
            upgrade_from: None,
            icon: None,
            yanked,
            published_at: chrono::NaiveDateTime::default(),
        }
    }

    fn check(versions: &[(&str, bool)], expected: &str) {
        let rows: Vec<_> = versions.iter().map(|(s, y)| v(s, *y)).collect();
        assert_eq!(latest(&rows).unwrap().version, expected, "{versions:?}");
    }

    #[test]
    fn latest_prefers_stable_then_live_then_anything() {
        check(
            &[("1.0.0", false), ("1.10.0", false), ("1.9.0", false)],
            "1.10.0",
        );
        check(&[("1.0.0", false), ("2.0.0-rc.1", false)], "1.0.0");
        check(&[("1.0.0", true), ("2.0.0-rc.1", false)], "2.0.0-rc.1");
        check(&[("1.0.0", false), ("2.0.0", true)], "1.0.0");
        check(&[("1.0.0", true), ("2.0.0", true)], "2.0.0");
        assert!(latest(&[]).is_none());
    }

    #[test]
    fn newest_first_sorts_by_semver() {
        let mut rows: Vec<_> = ["1.2.0", "1.10.0", "1.2.0-beta.1", "0.9.0"]
            .iter()
            .map(|s| v(s, false))
            .collect();
        newest_first(&mut rows);
        let order: Vec<_> = rows.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(order, ["1.10.0", "1.2.0", "1.2.0-beta.1", "0.9.0"]);
    }
}
