//! [`MemoryRuntime`]: the [`Runtime`] in memory, for table tests of the
//! executor's decisions (what is kept, replaced, removed, restored) without an
//! engine. Containers are records; volumes hold bytes that jobs append to.
//!
//! It can be told to fail the readiness probe (`exec`) of a component, to fail
//! a job, and to crash at the n-th step, a step being any call that changes
//! something. A crash unwinds (with a [`Crashed`] payload, and without the
//! panic hook's message) through the agent's operation, so that nothing after
//! it runs, neither in the engine nor in the agent's state: as if the process
//! had been killed there. It logs every step.

use super::{ContainerInfo, JobOutcome, Owner, Result, Runtime, RuntimeError};
use crate::agent::render::{ComponentSpec, FileSpec};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where a crash happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// The n-th step (from 1) does not happen.
    Before(usize),
    /// The n-th step happens, and nothing after it.
    After(usize),
}

/// The payload of a crash's unwinding; see [`crashes`].
#[derive(Debug)]
pub struct Crashed;

/// Run `operation` to its end or to the runtime's crash; whether it crashed.
pub async fn crashes<T>(operation: impl std::future::Future<Output = T>) -> bool {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(operation).catch_unwind().await {
        Ok(_) => false,
        Err(payload) if payload.is::<Crashed>() => true,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// A container of the memory runtime.
#[derive(Debug, Clone)]
struct Container {
    release: String,
    info: ContainerInfo,
}

#[derive(Debug, Default)]
struct Engine {
    next_id: u32,
    containers: Vec<Container>,
    /// (release, component, volume) → contents.
    volumes: BTreeMap<(String, String, String), Vec<u8>>,
    networks: BTreeSet<String>,
    /// Components whose readiness probe fails.
    unready: BTreeSet<String>,
    /// Jobs (`migrate-NAME`, `init-NAME`) that exit 1.
    failing_jobs: BTreeSet<String>,
    steps: usize,
    crash: Option<Crash>,
    log: Vec<String>,
}

/// A container engine in memory; clones share it (two agents, one engine).
#[derive(Debug, Clone, Default)]
pub struct MemoryRuntime {
    engine: Arc<Mutex<Engine>>,
}

fn missing(id: &str) -> RuntimeError {
    RuntimeError {
        action: format!("find container `{id}`"),
        cause: "no such container".into(),
    }
}

impl MemoryRuntime {
    fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Make `component`'s readiness probe fail (or pass again).
    pub fn set_unready(&self, component: &str, unready: bool) {
        let mut e = self.engine();
        if unready {
            e.unready.insert(component.into());
        } else {
            e.unready.remove(component);
        }
    }

    /// Make the job `job` (`migrate-NAME`, `init-NAME`) exit 1.
    pub fn fail_job(&self, job: &str) {
        self.engine().failing_jobs.insert(job.into());
    }

    /// Crash once, at a step counted from now.
    pub fn crash(&self, at: Crash) {
        let mut e = self.engine();
        e.steps = 0;
        e.crash = Some(at);
    }

    /// Steps taken since the last [`crash`](Self::crash) or [`take_log`](Self::take_log).
    pub fn steps(&self) -> usize {
        self.engine().steps
    }

    /// The steps logged so far (`start c3`, `stop c1`, …), emptied, and the count reset.
    pub fn take_log(&self) -> Vec<String> {
        let mut e = self.engine();
        e.steps = 0;
        std::mem::take(&mut e.log)
    }

    /// The contents of a volume.
    pub fn volume(&self, release: &str, component: &str, volume: &str) -> Option<Vec<u8>> {
        let key = (release.into(), component.into(), volume.into());
        self.engine().volumes.get(&key).cloned()
    }

    /// Take one step: `f` changes the engine, unless the crash comes first.
    fn step<T>(&self, what: String, f: impl FnOnce(&mut Engine) -> Result<T>) -> Result<T> {
        let mut e = self.engine();
        e.steps += 1;
        let now = e.steps;
        if e.crash == Some(Crash::Before(now)) {
            e.crash = None;
            drop(e);
            crash();
        }
        let result = f(&mut e);
        e.log.push(what);
        if e.crash == Some(Crash::After(now)) {
            e.crash = None;
            drop(e);
            crash();
        }
        result
    }
}

/// Stop the agent's operation where it stands, as a kill would.
fn crash() -> ! {
    // `resume_unwind`: no panic message for a crash the test asked for.
    std::panic::resume_unwind(Box::new(Crashed))
}

impl Engine {
    fn container(&mut self, id: &str) -> Result<&mut ContainerInfo> {
        self.containers
            .iter_mut()
            .map(|c| &mut c.info)
            .find(|c| c.id == id)
            .ok_or_else(|| missing(id))
    }

    /// A new container, running; its id.
    fn create(&mut self, owner: &Owner, spec: &ComponentSpec, replica: u32) -> String {
        self.next_id += 1;
        let id = format!("c{}", self.next_id);
        let host_port = 30000 + self.next_id as u16;
        self.containers.push(Container {
            release: owner.release.clone(),
            info: ContainerInfo {
                id: id.clone(),
                component: spec.name.clone(),
                revision: owner.revision,
                fingerprint: spec.fingerprint(),
                replica,
                sidecar: None,
                job: false,
                running: true,
                ip: Some(format!("10.0.0.{}", self.next_id)),
                host_ports: spec
                    .published
                    .iter()
                    .map(|p| (p.container_port, p.host_port.unwrap_or(host_port)))
                    .collect(),
            },
        });
        for v in &spec.volumes {
            let key = (owner.release.clone(), spec.name.clone(), v.name.clone());
            self.volumes.entry(key).or_default();
        }
        id
    }
}

impl Runtime for MemoryRuntime {
    async fn describe(&self) -> Result<String> {
        Ok("memory".into())
    }

    async fn prepare(&self, release: &str) -> Result<()> {
        self.step(format!("prepare {release}"), |e| {
            e.networks.insert(release.into());
            Ok(())
        })
    }

    async fn pull(&self, image: &str, _progress: &(dyn Fn(&str) + Sync)) -> Result<()> {
        self.step(format!("pull {image}"), |_| Ok(()))
    }

    async fn start_replica(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        replica: u32,
    ) -> Result<String> {
        let what = format!("start_replica {}/{replica}", spec.name);
        self.step(what, |e| {
            let id = e.create(owner, spec, replica);
            for s in &spec.sidecars {
                let sidecar = e.create(owner, spec, replica);
                let c = e.container(&sidecar)?;
                c.sidecar = Some(s.name.clone());
                c.host_ports.clear();
            }
            Ok(id)
        })
    }

    async fn containers(&self, release: &str) -> Result<Vec<ContainerInfo>> {
        Ok(self
            .engine()
            .containers
            .iter()
            .filter(|c| c.release == release)
            .map(|c| c.info.clone())
            .collect())
    }

    async fn start(&self, id: &str) -> Result<()> {
        self.step(format!("start {id}"), |e| {
            e.container(id)?.running = true;
            Ok(())
        })
    }

    async fn stop(&self, id: &str) -> Result<()> {
        // As on Docker, stopping a container that is gone is no error.
        self.step(format!("stop {id}"), |e| {
            if let Ok(c) = e.container(id) {
                c.running = false;
            }
            Ok(())
        })
    }

    async fn remove(&self, id: &str) -> Result<()> {
        self.step(format!("remove {id}"), |e| {
            e.containers.retain(|c| c.info.id != id);
            Ok(())
        })
    }

    async fn exec(&self, id: &str, _command: &[String]) -> Result<i64> {
        let e = self.engine();
        let c = e
            .containers
            .iter()
            .find(|c| c.info.id == id)
            .ok_or_else(|| missing(id))?;
        Ok(i64::from(e.unready.contains(&c.info.component)))
    }

    async fn run_job(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        job: &str,
        _command: &[String],
        _files: &[FileSpec],
    ) -> Result<JobOutcome> {
        self.step(format!("job {}/{job}", spec.name), |e| {
            if e.failing_jobs.contains(job) {
                return Ok(JobOutcome {
                    exit_code: 1,
                    output: format!("{job} failed"),
                });
            }
            // A job changes the component's data: each volume records it.
            for v in &spec.volumes {
                let key = (owner.release.clone(), spec.name.clone(), v.name.clone());
                e.volumes
                    .entry(key)
                    .or_default()
                    .extend_from_slice(format!("{job};").as_bytes());
            }
            Ok(JobOutcome {
                exit_code: 0,
                output: String::new(),
            })
        })
    }

    async fn snapshot_volume(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
    ) -> Result<Vec<u8>> {
        let key = (owner.release.clone(), spec.name.clone(), volume.to_string());
        self.step(format!("snapshot {}/{volume}", spec.name), |e| {
            Ok(e.volumes.get(&key).cloned().unwrap_or_default())
        })
    }

    async fn restore_volume(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
        tar: Vec<u8>,
    ) -> Result<()> {
        let key = (owner.release.clone(), spec.name.clone(), volume.to_string());
        self.step(format!("restore {}/{volume}", spec.name), |e| {
            e.volumes.insert(key, tar);
            Ok(())
        })
    }

    async fn remove_volumes(&self, release: &str, component: Option<&str>) -> Result<()> {
        let what = format!("remove_volumes {release} {}", component.unwrap_or("*"));
        self.step(what, |e| {
            e.volumes
                .retain(|(r, c, _), _| r != release || component.is_some_and(|x| x != c));
            Ok(())
        })
    }

    async fn remove_network(&self, release: &str) -> Result<()> {
        self.step(format!("remove_network {release}"), |e| {
            e.networks.remove(release);
            Ok(())
        })
    }
}
