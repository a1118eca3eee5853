//! What `souk status` shows of a release: its record, and what the runtime
//! runs of its current revision.

use super::{parse_state, replicas_from, Agent};
use crate::agent::render::ComponentSpec;
use crate::agent::runtime::{ContainerInfo, Runtime};
use crate::agent::state::{Release, ReleaseState};
use crate::error::Error;
use serde::Serialize;
use std::fmt;

/// How many of a component's replicas run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Every replica is up.
    Running,
    /// Some are.
    Degraded,
    /// None is.
    Stopped,
}

impl ComponentState {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Running => "running",
            ComponentState::Degraded => "degraded",
            ComponentState::Stopped => "stopped",
        }
    }

    fn of(running: u32, replicas: u32) -> ComponentState {
        if running >= replicas {
            ComponentState::Running
        } else if running > 0 {
            ComponentState::Degraded
        } else {
            ComponentState::Stopped
        }
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that `{:<9}` lines columns up.
        f.pad(self.as_str())
    }
}

/// One component of `souk status`.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    pub name: String,
    pub state: ComponentState,
    pub containers: Vec<String>,
    /// HTTP routes as URLs on this host.
    pub urls: Vec<String>,
}

/// One release in `souk status`.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseStatus {
    pub release: String,
    pub template: String,
    pub version: String,
    pub revision: Option<i64>,
    pub state: ReleaseState,
    pub message: String,
    pub components: Vec<ComponentStatus>,
}

impl<R: Runtime> Agent<R> {
    /// A release's status: its record and what the runtime runs for it.
    pub async fn status(&self, release: &Release) -> Result<ReleaseStatus, Error> {
        let rev = match release.current_revision {
            Some(n) => self.store.revision(&release.name, n).await?,
            None => None,
        };
        let state = rev.as_ref().map(parse_state).transpose()?;
        let all = self.runtime.containers(&release.name).await?;
        let components = state
            .iter()
            .flat_map(|s| &s.components)
            .map(|spec| component_status(spec, &all))
            .collect();
        Ok(ReleaseStatus {
            release: release.name.clone(),
            template: release.template.clone(),
            version: rev.as_ref().map(|r| r.version.clone()).unwrap_or_default(),
            revision: release.current_revision,
            state: release.state,
            message: release.message.clone(),
            components,
        })
    }
}

/// `spec`'s replicas among `all` (those made from this very spec).
fn component_status(spec: &ComponentSpec, all: &[ContainerInfo]) -> ComponentStatus {
    let mine = replicas_from(all, spec);
    let running = mine.iter().filter(|c| c.running).count() as u32;
    let urls = spec
        .published
        .iter()
        .filter_map(|p| {
            let route = p.http.as_ref()?;
            let host_port = mine
                .iter()
                .find_map(|c| c.host_ports.iter().find(|(cp, _)| *cp == p.container_port))?
                .1;
            Some(format!(
                "http://127.0.0.1:{host_port}{} (host {})",
                route.path, route.host
            ))
        })
        .collect();
    ComponentStatus {
        name: spec.name.clone(),
        state: ComponentState::of(running, spec.replicas),
        containers: mine.iter().map(|c| c.id.clone()).collect(),
        urls,
    }
}
