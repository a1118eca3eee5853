//! The souk agent: installs templates on this site's container engine and keeps
//! them up to date, health-gated, rolling back on failure with data kept.
//!
//! Layout, in the order a change flows through it:
//! - [`values`]: `--set`/`--values` checked against the template's parameters;
//! - [`render`]: template + values → [`render::DesiredState`] (pure);
//! - [`plan`]: old and new desired states → what happens to each component (pure);
//! - [`runtime`]: the [`runtime::Runtime`] trait and its Docker implementation;
//! - [`probe`]: readiness probes run by the agent;
//! - [`state`]: releases, revisions, init jobs and the journal in SQLite;
//! - [`operation`]: the executor (install, upgrade, rollback, uninstall, recovery);
//! - [`deliver`]: resolve, download, walk the upgrade path: the one way the CLI
//!   and the daemon bring a release a version from the registry;
//! - [`daemon`]: `souk agent`, following the registry's feed.
//!
//! **Architecture Invariant:** `render` and `plan` know nothing about Docker;
//! only `runtime/docker.rs` speaks to the engine.

pub mod daemon;
pub mod deliver;
pub mod operation;
pub mod plan;
pub mod probe;
pub mod render;
pub mod runtime;
pub mod state;
pub mod values;

use crate::error::Error;
use operation::{Agent, Progress};
use runtime::docker::DockerRuntime;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// How a command uses the agent's data dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads state only (`status`, `history`): no lock, no recovery.
    Read,
    /// Changes releases: holds the data dir's lock for the process's life and
    /// first finishes any operation a previous run left in the middle.
    Write,
}

/// The agent's data folder when none is given: `/var/lib/souk` for root, else
/// the platform data folder (`$XDG_DATA_HOME/souk`, `~/.local/share/souk`);
/// never the working directory.
pub fn default_data_dir() -> Result<PathBuf, Error> {
    data_dir_for(
        running_as_root(),
        std::env::var_os("XDG_DATA_HOME"),
        std::env::var_os("HOME"),
    )
    .ok_or(Error::NoDataDir)
}

fn data_dir_for(root: bool, xdg: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    // The XDG base directory spec: relative values are to be ignored.
    let absolute = |v: Option<OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    if root {
        Some(PathBuf::from("/var/lib/souk"))
    } else if let Some(xdg) = absolute(xdg) {
        Some(xdg.join("souk"))
    } else {
        absolute(home).map(|h| h.join(".local/share/souk"))
    }
}

/// Whether this process runs as root: it owns `/proc/self` (Linux), without
/// a dependency on libc for one call.
fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Open the agent on `data_dir` with the local Docker Engine. Reading
/// ([`Access::Read`]) a data dir that holds no state yet creates none: it
/// shows an empty site.
/// `pull_bar`: show image pulls' progress in bytes (a person at a terminal).
pub async fn open(
    data_dir: &Path,
    progress: Progress,
    access: Access,
    pull_bar: bool,
) -> Result<Agent<DockerRuntime>, Error> {
    let data_dir = std::path::absolute(data_dir).map_err(|source| Error::Io {
        action: "find",
        path: data_dir.to_path_buf(),
        source,
    })?;
    let store = if access == Access::Read && !data_dir.join(state::DB_FILE).exists() {
        state::Store::empty(&data_dir)?
    } else {
        state::Store::open(&data_dir)?
    };
    let lock = match access {
        Access::Read => None,
        Access::Write => Some(lock(&data_dir)?),
    };
    let runtime = DockerRuntime::connect(data_dir.join("files"))?.with_pull_bar(pull_bar);
    let agent = Agent {
        runtime,
        store,
        data_dir,
        progress,
        _lock: lock,
    };
    if access == Access::Write {
        agent.recover().await?;
    }
    Ok(agent)
}

/// Take the data dir's advisory lock: a journal left by another process
/// that is still running is not an interrupted operation.
fn lock(data_dir: &Path) -> Result<std::fs::File, Error> {
    use fs4::fs_std::FileExt;
    let path = data_dir.join("agent.lock");
    let io = |source| Error::Io {
        action: "lock",
        path: path.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    if !file.try_lock_exclusive().map_err(io)? {
        return Err(Error::Busy {
            path: data_dir.to_path_buf(),
        });
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::data_dir_for;
    use std::path::PathBuf;

    #[test]
    fn the_default_data_dir_is_never_the_working_directory() {
        let some = |s: &str| Some(s.into());
        let p = |s: &str| Some(PathBuf::from(s));
        for (root, xdg, home, want) in [
            (true, some("/x"), some("/home/a"), p("/var/lib/souk")),
            (false, some("/x"), some("/home/a"), p("/x/souk")),
            (false, None, some("/home/a"), p("/home/a/.local/share/souk")),
            (
                false,
                some("rel"),
                some("/home/a"),
                p("/home/a/.local/share/souk"),
            ),
            (false, None, some(""), None),
            (false, None, None, None),
        ] {
            assert_eq!(
                data_dir_for(root, xdg.clone(), home.clone()),
                want,
                "{root} {xdg:?} {home:?}"
            );
        }
    }
}
