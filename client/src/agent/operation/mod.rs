//! The operation executor: install, upgrade, rollback and uninstall of a
//! release, health-gated, with a journal so that an agent stopped in the
//! middle finishes (by rolling back) when it starts again.
//!
//! Layout: this module holds the [`Agent`] and the entry points, each of which
//! records a revision and hands it to [`deploy`] (applying a revision over the
//! running one, and restoring the running one when the new one fails);
//! [`recover`] rolls back what a stopped agent left open; [`view`] is what
//! `souk status` shows.

mod deploy;
mod recover;
#[cfg(test)]
mod tests;
mod view;

pub use deploy::Snapshot;
pub use view::{ComponentState, ComponentStatus, ReleaseStatus};

use super::render::{render, ComponentSpec, DesiredState};
use super::runtime::{ContainerInfo, Owner, Runtime};
use super::state::{now, OperationKind, Release, ReleaseState, Revision, RevisionOutcome, Store};
use super::values::{self, Answers, Values};
use crate::error::Error;
use semver::VersionReq;
use souk_schema::package::Package;
use std::path::PathBuf;
use std::sync::Arc;

/// Where progress messages go: stderr for the CLI, the log for the daemon.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// The agent: a runtime, its state, and where it keeps files.
pub struct Agent<R> {
    pub runtime: R,
    pub store: Store,
    pub data_dir: PathBuf,
    pub progress: Progress,
    /// The data dir's lock, held while the agent lives (none for reading).
    pub _lock: Option<std::fs::File>,
}

/// How an install, upgrade or rollback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The new revision runs, healthy.
    Deployed { revision: i64 },
    /// The new revision failed and the previous one runs again.
    RolledBack {
        failed: i64,
        restored: Option<i64>,
        reason: String,
    },
}

/// Why a new revision failed (a probe, a job, a pull): the operation goes on
/// by rolling back, unlike an [`Error`], which stops it.
type Failure = String;

fn parse_state(rev: &Revision) -> Result<DesiredState, Error> {
    serde_json::from_str(&rev.rendered).map_err(|e| Error::Render {
        message: format!(
            "revision {} of `{}` cannot be read: {e}",
            rev.number, rev.release
        ),
    })
}

fn owner(state: &DesiredState, revision: i64) -> Owner {
    Owner {
        release: state.release.clone(),
        template: state.template.clone(),
        version: state.version.clone(),
        revision,
    }
}

/// The main containers (not sidecars, not jobs) of one component.
fn replicas_of<'a>(all: &'a [ContainerInfo], component: &str) -> Vec<&'a ContainerInfo> {
    all.iter()
        .filter(|c| c.component == component && c.sidecar.is_none() && !c.job)
        .collect()
}

/// The main containers made from `spec` itself (its fingerprint).
fn replicas_from<'a>(all: &'a [ContainerInfo], spec: &ComponentSpec) -> Vec<&'a ContainerInfo> {
    let fp = spec.fingerprint();
    replicas_of(all, &spec.name)
        .into_iter()
        .filter(|c| c.fingerprint == fp)
        .collect()
}

/// A new revision, pending, of `state` rendered from `package` with `values`.
fn pending(package: &Package, values: &Values, state: &DesiredState) -> Revision {
    Revision {
        release: state.release.clone(),
        number: 0,
        version: state.version.clone(),
        digest: package.digest.to_string(),
        vals: serde_json::to_string(values).expect("values serialise"),
        rendered: serde_json::to_string(state).expect("a state serialises"),
        outcome: RevisionOutcome::Pending,
        reason: None,
        created_at: now(),
    }
}

impl<R: Runtime> Agent<R> {
    fn say(&self, message: &str) {
        (self.progress)(message);
    }

    /// Render a package for a release: check the values, expand everything.
    pub fn render(
        &self,
        release: &str,
        package: &Package,
        answers: &Answers,
    ) -> Result<(Values, DesiredState), Error> {
        let parameters = &package.template.manifest().parameters;
        let values =
            values::resolve(parameters, answers).map_err(|problems| Error::Values { problems })?;
        let state = render(&package.template, &package.files, release, &values)
            .map_err(|message| Error::Render { message })?;
        Ok((values, state))
    }

    /// Install `package` as a new release, whose upgrades stay within
    /// `requirement`. A release whose install failed (nothing of it runs) is
    /// installed again, as its next revision.
    pub async fn install(
        &self,
        release: &str,
        package: &Package,
        answers: &Answers,
        requirement: &VersionReq,
    ) -> Result<Outcome, Error> {
        let existing = self.store.release(release).await?;
        if existing.as_ref().is_some_and(|r| !r.install_failed()) {
            return Err(Error::ReleaseExists {
                release: release.into(),
            });
        }
        let (values, state) = self.render(release, package, answers)?;
        let row = Release {
            name: release.into(),
            template: state.template.clone(),
            current_revision: None,
            state: ReleaseState::Installing,
            message: format!("installing {}", state.version),
            updated_at: now(),
            requirement: requirement.to_string(),
        };
        let number = if existing.is_some() {
            let next = pending(package, &values, &state);
            self.store.reinstall(row, next).await?
        } else {
            let first = Revision {
                number: 1,
                ..pending(package, &values, &state)
            };
            self.store.create_release(row, first).await?;
            1
        };
        self.deploy(release, None, number, &state, OperationKind::Install, false)
            .await
    }

    /// Upgrade `release` to `package`; `answers` change some values, the
    /// others are kept.
    pub async fn upgrade(
        &self,
        release: &str,
        package: &Package,
        answers: &Answers,
        prune_data: bool,
    ) -> Result<Outcome, Error> {
        let (_, old_rev) = self.current(release).await?;
        let mut merged: Answers = serde_json::from_str::<Values>(&old_rev.vals)
            .map(|v| v.0)
            .unwrap_or_default();
        // Values of parameters the new version no longer has are dropped.
        let params = &package.template.manifest().parameters;
        merged.retain(|k, _| params.iter().any(|p| p.name == *k));
        merged.extend(answers.clone());
        let (values, state) = self.render(release, package, &merged)?;
        let number = self
            .store
            .add_revision(pending(package, &values, &state))
            .await?;
        let message = |old: &DesiredState| format!("upgrading {} → {}", old.version, state.version);
        self.redeploy(
            &old_rev,
            number,
            &state,
            message,
            OperationKind::Upgrade,
            prune_data,
        )
        .await
    }

    /// Go back to revision `to` (default: the one before the current one),
    /// as a new revision. Data is not restored: volumes are kept as they are.
    pub async fn rollback(&self, release: &str, to: Option<i64>) -> Result<Outcome, Error> {
        let (_, current) = self.current(release).await?;
        let revisions = self.store.revisions(release).await?;
        let target = match to {
            Some(n) => revisions.iter().find(|r| r.number == n),
            None => revisions.iter().rev().find(|r| {
                r.number < current.number
                    && matches!(
                        r.outcome,
                        RevisionOutcome::Superseded | RevisionOutcome::Deployed
                    )
            }),
        }
        .ok_or_else(|| Error::NoRevision {
            release: release.into(),
            revision: to,
        })?
        .clone();
        let state = parse_state(&target)?;
        let number = self
            .store
            .add_revision(Revision {
                number: 0,
                outcome: RevisionOutcome::Pending,
                reason: Some(format!("rollback to revision {}", target.number)),
                created_at: now(),
                ..target.clone()
            })
            .await?;
        let message = |_: &DesiredState| format!("rolling back to revision {}", target.number);
        self.redeploy(
            &current,
            number,
            &state,
            message,
            OperationKind::Rollback,
            false,
        )
        .await
    }

    /// Deploy revision `number` (`new`) over the running revision `current`;
    /// meanwhile the release is `upgrading`, with `message(current's state)`.
    async fn redeploy(
        &self,
        current: &Revision,
        number: i64,
        new: &DesiredState,
        message: impl FnOnce(&DesiredState) -> String,
        operation: OperationKind,
        prune_data: bool,
    ) -> Result<Outcome, Error> {
        let release = &current.release;
        let old = parse_state(current)?;
        self.store
            .set_release(release, ReleaseState::Upgrading, &message(&old), None)
            .await?;
        let old = Some((current.number, old));
        self.deploy(release, old, number, new, operation, prune_data)
            .await
    }

    /// Remove a release: its containers, network and (unless `keep_data`) volumes.
    pub async fn uninstall(&self, release: &str, keep_data: bool) -> Result<(), Error> {
        self.release(release).await?;
        self.remove_containers(release).await?;
        self.runtime.remove_network(release).await?;
        if !keep_data {
            self.runtime.remove_volumes(release, None).await?;
        }
        let _ = std::fs::remove_dir_all(self.snapshot_dir(release));
        self.store.delete_release(release).await?;
        Ok(())
    }

    /// The release's record.
    pub async fn release(&self, release: &str) -> Result<Release, Error> {
        self.store
            .release(release)
            .await?
            .ok_or_else(|| Error::ReleaseNotFound {
                release: release.into(),
            })
    }

    /// The release's running revision.
    pub async fn current(&self, release: &str) -> Result<(Release, Revision), Error> {
        let r = self.release(release).await?;
        let number = r.current_revision.ok_or_else(|| Error::NoRevision {
            release: release.into(),
            revision: None,
        })?;
        let rev = self
            .store
            .revision(release, number)
            .await?
            .ok_or_else(|| Error::NoRevision {
                release: release.into(),
                revision: Some(number),
            })?;
        Ok((r, rev))
    }

    /// Remove every container of the release, jobs and sidecars included.
    async fn remove_containers(&self, release: &str) -> Result<(), Error> {
        for c in self.runtime.containers(release).await? {
            self.runtime.remove(&c.id).await?;
        }
        Ok(())
    }

    fn snapshot_dir(&self, release: &str) -> PathBuf {
        self.data_dir.join("snapshots").join(release)
    }
}
