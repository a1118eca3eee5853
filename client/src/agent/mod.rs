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
use std::path::Path;

/// How a command uses the agent's data dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads state only (`status`, `history`): no lock, no recovery.
    Read,
    /// Changes releases: holds the data dir's lock for the process's life and
    /// first finishes any operation a previous run left in the middle.
    Write,
}

/// Open the agent on `data_dir` with the local Docker Engine.
pub async fn open(
    data_dir: &Path,
    progress: Progress,
    access: Access,
) -> Result<Agent<DockerRuntime>, Error> {
    let data_dir = std::path::absolute(data_dir).map_err(|source| Error::Io {
        action: "find",
        path: data_dir.to_path_buf(),
        source,
    })?;
    let store = state::Store::open(&data_dir)?;
    let lock = match access {
        Access::Read => None,
        Access::Write => Some(lock(&data_dir)?),
    };
    let runtime = DockerRuntime::connect(data_dir.join("files"))?;
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
