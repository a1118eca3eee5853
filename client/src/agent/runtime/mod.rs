//! Runtimes: how a [`super::render::DesiredState`] becomes running containers.
//! One trait, [`Runtime`]; Docker Engine ([`docker::DockerRuntime`]) first, and
//! in tests `memory::MemoryRuntime`, an engine in memory that can fail and crash
//! on demand.
//!
//! **Architecture Invariant:** the planner and the operation executor call only
//! this trait; nothing outside `runtime/` knows Docker's API.

pub mod docker;
#[cfg(test)]
pub mod memory;

use super::render::{ComponentSpec, FileSpec};
use std::fmt;

/// A runtime call that failed: what was being done and the engine's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError {
    pub action: String,
    pub cause: String,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {}: {}", self.action, self.cause)
    }
}

impl std::error::Error for RuntimeError {}

pub type Result<T> = std::result::Result<T, RuntimeError>;

/// Which release, revision and version a container belongs to: every
/// container carries these as labels (`souk.release`, `souk.template`,
/// `souk.version`, `souk.revision`, `souk.component`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub release: String,
    pub template: String,
    pub version: String,
    pub revision: i64,
}

/// A container of a release, as the runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    pub component: String,
    pub revision: i64,
    /// [`ComponentSpec::fingerprint`] of the spec it was made from.
    pub fingerprint: String,
    pub replica: u32,
    /// The plugin's name, for a sidecar.
    pub sidecar: Option<String>,
    /// A one-off job (init, migration, snapshot helper), not a replica.
    pub job: bool,
    pub running: bool,
    /// Its address on the release's network.
    pub ip: Option<String>,
    /// Published ports: (container port, host port).
    pub host_ports: Vec<(u16, u16)>,
}

/// How a one-off job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub exit_code: i64,
    /// The last lines it printed.
    pub output: String,
}

/// What the agent needs from a container engine.
#[allow(async_fn_in_trait)] // used through generics only, never as `dyn`
pub trait Runtime {
    /// A short name for reports (`docker 28.2.2`).
    async fn describe(&self) -> Result<String>;
    /// Make sure the release's network exists.
    async fn prepare(&self, release: &str) -> Result<()>;
    /// Make sure `image` is present, pulling it if not; `progress` hears about it.
    async fn pull(&self, image: &str, progress: &(dyn Fn(&str) + Sync)) -> Result<()>;
    /// Create and start one replica of a component (and its sidecars); its id.
    async fn start_replica(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        replica: u32,
    ) -> Result<String>;
    /// Every container of the release, jobs included, running or not.
    async fn containers(&self, release: &str) -> Result<Vec<ContainerInfo>>;
    async fn start(&self, id: &str) -> Result<()>;
    async fn stop(&self, id: &str) -> Result<()>;
    async fn remove(&self, id: &str) -> Result<()>;
    /// Run `command` in a running container; its exit code.
    async fn exec(&self, id: &str, command: &[String]) -> Result<i64>;
    /// Run `command` to completion in a new container made like `spec` (its
    /// image, env, volumes, network), with `files` mounted read-only.
    async fn run_job(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        job: &str,
        command: &[String],
        files: &[FileSpec],
    ) -> Result<JobOutcome>;
    /// The contents of one of a component's volumes, as a tar archive.
    async fn snapshot_volume(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
    ) -> Result<Vec<u8>>;
    /// Replace a volume's contents with a snapshot. No container may use it.
    async fn restore_volume(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
        tar: Vec<u8>,
    ) -> Result<()>;
    /// Remove the release's volumes (all of them, or only `component`'s).
    async fn remove_volumes(&self, release: &str, component: Option<&str>) -> Result<()>;
    /// Remove the release's network.
    async fn remove_network(&self, release: &str) -> Result<()>;
}
