//! Deploying a revision over the running one, and restoring the running one.
//!
//! In order: open the journal; pull images; for each migration whose `from`
//! matches the installed version, stop its component, snapshot the volumes it
//! touches (kept on disk, named in the journal) and run it; then component by
//! component in start order: keep the unchanged ones (same containers),
//! replace the changed ones (replicas > 1: new first, then old stopped), add
//! the new ones, each waiting for its readiness probe; stop the removed ones.
//! Everything new ready: old containers are removed and the journal closed.
//! Anything failing: new containers go, snapshots are restored, the old
//! containers start again.

use super::{owner, parse_state, replicas_from, replicas_of, Agent, Failure, Outcome};
use crate::agent::plan::{plan, Change, Plan};
use crate::agent::probe::wait_ready;
use crate::agent::render::{ComponentSpec, DesiredState};
use crate::agent::runtime::{ContainerInfo, Owner, Runtime};
use crate::agent::state::{now, Journal, OperationKind, ReleaseState, RevisionOutcome};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A volume snapshot taken before a migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub component: String,
    pub volume: String,
    pub file: PathBuf,
}

/// The sidecars running beside the replica `c`.
fn sidecars_of<'a>(
    all: &'a [ContainerInfo],
    c: &'a ContainerInfo,
) -> impl Iterator<Item = &'a ContainerInfo> {
    all.iter().filter(move |s| {
        s.component == c.component
            && s.sidecar.is_some()
            && s.replica == c.replica
            && s.fingerprint == c.fingerprint
    })
}

/// Is `c` one of `state`'s containers (not a job, made from its spec)?
fn belongs_to(c: &ContainerInfo, state: &DesiredState) -> bool {
    !c.job
        && state
            .component(&c.component)
            .is_some_and(|s| s.fingerprint() == c.fingerprint)
}

impl<R: Runtime> Agent<R> {
    /// Apply `new` (revision `number`) over `old`, health-gated; roll back on failure.
    pub(super) async fn deploy(
        &self,
        release: &str,
        old: Option<(i64, DesiredState)>,
        number: i64,
        new: &DesiredState,
        operation: OperationKind,
        prune_data: bool,
    ) -> Result<Outcome, Error> {
        self.store
            .begin(Journal {
                release: release.into(),
                operation,
                from_revision: old.as_ref().map(|(n, _)| *n),
                to_revision: number,
                snapshots: "[]".into(),
                started_at: now(),
            })
            .await?;
        let attempt = self
            .apply(release, old.as_ref(), number, new, operation)
            .await?;
        let reason = match attempt {
            Ok(()) => {
                self.commit(
                    release,
                    old.as_ref().map(|(n, _)| *n),
                    number,
                    new,
                    prune_data,
                )
                .await?;
                return Ok(Outcome::Deployed { revision: number });
            }
            Err(reason) => new.redact(&reason),
        };
        self.say(&format!("revision {number} failed: {reason}"));
        let snapshots = self.journal_snapshots(release).await?;
        self.store
            .set_outcome(
                release,
                number,
                RevisionOutcome::Failed,
                Some(reason.clone()),
            )
            .await?;
        match &old {
            Some((n, state)) => {
                self.say(&format!("rolling back to revision {n}"));
                self.restore(release, *n, state, &snapshots).await?;
                self.store
                    .set_release(
                        release,
                        ReleaseState::RolledBack,
                        &format!("{} failed: {reason}", new.version),
                        Some(*n),
                    )
                    .await?;
            }
            None => {
                self.remove_containers(release).await?;
                self.store
                    .set_release(release, ReleaseState::Failed, &reason, None)
                    .await?;
            }
        }
        self.store.finish(release).await?;
        let _ = std::fs::remove_dir_all(self.snapshot_dir(release));
        Ok(Outcome::RolledBack {
            failed: number,
            restored: old.map(|(n, _)| n),
            reason,
        })
    }

    /// The snapshots the open journal of `release` names.
    pub(super) async fn journal_snapshots(&self, release: &str) -> Result<Vec<Snapshot>, Error> {
        Ok(self
            .store
            .journal(release)
            .await?
            .and_then(|j| serde_json::from_str(&j.snapshots).ok())
            .unwrap_or_default())
    }

    /// The steps of an upgrade; `Ok(Err(reason))` when the new revision failed.
    async fn apply(
        &self,
        release: &str,
        old: Option<&(i64, DesiredState)>,
        number: i64,
        new: &DesiredState,
        operation: OperationKind,
    ) -> Result<Result<(), Failure>, Error> {
        let me = owner(new, number);
        self.runtime.prepare(release).await?;
        let sink = self.progress.clone();
        let progress = move |m: &str| sink(m);
        for c in &new.components {
            let images = std::iter::once(&c.image)
                .chain(c.sidecars.iter().map(|s| &s.image))
                .chain(c.init_plugins.iter().map(|s| &s.image));
            for image in images {
                if let Err(e) = self.runtime.pull(image, &progress).await {
                    return Ok(Err(e.to_string()));
                }
            }
        }
        let plan = plan(old.map(|(_, s)| s), new);
        // A rollback goes back to data as it is: its migrations ran long ago.
        if operation != OperationKind::Rollback {
            if let Err(reason) = self.migrate(release, &me, &plan, new).await? {
                return Ok(Err(reason));
            }
        }
        self.change(release, &me, &plan, new).await
    }

    /// Run the planned migrations: stop the component, snapshot its volumes
    /// (named in the journal before anything changes them), migrate.
    async fn migrate(
        &self,
        release: &str,
        me: &Owner,
        plan: &Plan,
        new: &DesiredState,
    ) -> Result<Result<(), Failure>, Error> {
        let mut snapshots: Vec<Snapshot> = Vec::new();
        for m in &plan.migrations {
            let Some(spec) = new.component(&m.component) else {
                return Ok(Err(format!("migration `{}` names no component", m.name)));
            };
            let all = self.runtime.containers(release).await?;
            for c in all.iter().filter(|c| c.component == m.component) {
                self.runtime.stop(&c.id).await?;
            }
            for v in &spec.volumes {
                if snapshots
                    .iter()
                    .any(|s| s.component == spec.name && s.volume == v.name)
                {
                    continue;
                }
                self.say(&format!(
                    "snapshotting volume `{}` of `{}`",
                    v.name, spec.name
                ));
                let tar = self.runtime.snapshot_volume(me, spec, &v.name).await?;
                let dir = self.snapshot_dir(release).join(me.revision.to_string());
                let file = dir.join(format!("{}-{}.tar", spec.name, v.name));
                write_durably(&dir, &file, &tar)?;
                snapshots.push(Snapshot {
                    component: spec.name.clone(),
                    volume: v.name.clone(),
                    file,
                });
                self.store
                    .set_snapshots(
                        release,
                        serde_json::to_string(&snapshots).expect("serialises"),
                    )
                    .await?;
            }
            self.say(&format!(
                "running migration `{}` on `{}`",
                m.name, m.component
            ));
            let outcome = self
                .runtime
                .run_job(me, spec, &format!("migrate-{}", m.name), &m.command, &[])
                .await?;
            if outcome.exit_code != 0 {
                return Ok(Err(format!(
                    "migration `{}` exited with {}: {}",
                    m.name, outcome.exit_code, outcome.output
                )));
            }
        }
        Ok(Ok(()))
    }

    /// Keep, replace, add and stop components as planned, in start order,
    /// each gated by its readiness; then its init jobs.
    async fn change(
        &self,
        release: &str,
        me: &Owner,
        plan: &Plan,
        new: &DesiredState,
    ) -> Result<Result<(), Failure>, Error> {
        for (name, change) in &plan.changes {
            let all = self.runtime.containers(release).await?;
            let existing = replicas_of(&all, name);
            if *change == Change::Remove {
                self.say(&format!("stopping `{name}` (removed)"));
                for c in all.iter().filter(|c| c.component == *name) {
                    self.runtime.stop(&c.id).await?;
                }
                continue;
            }
            let spec = new.component(name).expect("planned from the new state");
            let fp = spec.fingerprint();
            let (current, stale): (Vec<&ContainerInfo>, Vec<&ContainerInfo>) =
                existing.into_iter().partition(|c| c.fingerprint == fp);
            let result = match change {
                Change::Keep => {
                    self.say(&format!("`{name}` unchanged"));
                    self.ensure(release, me, spec, &all, &current).await?
                }
                _ => {
                    self.say(&format!(
                        "{} `{name}` ({})",
                        if *change == Change::Add {
                            "starting"
                        } else {
                            "replacing"
                        },
                        spec.image
                    ));
                    let surge = spec.replicas > 1 && stale.iter().any(|c| c.running);
                    if !surge {
                        self.stop_all(&all, &stale).await?;
                    }
                    let r = self.ensure(release, me, spec, &all, &current).await?;
                    if surge && r.is_ok() {
                        self.stop_all(&all, &stale).await?;
                    }
                    r
                }
            };
            if let Err(reason) = result {
                return Ok(Err(format!("`{name}`: {reason}")));
            }
            if let Err(reason) = self.init_jobs(release, me, spec).await? {
                return Ok(Err(reason));
            }
        }
        Ok(Ok(()))
    }

    /// Stop containers and their sidecars.
    async fn stop_all(&self, all: &[ContainerInfo], which: &[&ContainerInfo]) -> Result<(), Error> {
        for c in which {
            for s in sidecars_of(all, c) {
                self.runtime.stop(&s.id).await?;
            }
            self.runtime.stop(&c.id).await?;
        }
        Ok(())
    }

    /// Make `spec`'s replicas run: start the stopped ones among `current`,
    /// create the missing ones, and wait until each is ready.
    async fn ensure(
        &self,
        release: &str,
        me: &Owner,
        spec: &ComponentSpec,
        all: &[ContainerInfo],
        current: &[&ContainerInfo],
    ) -> Result<Result<(), Failure>, Error> {
        for replica in 0..spec.replicas {
            let id = match current.iter().find(|c| c.replica == replica) {
                Some(c) if c.running => c.id.clone(),
                Some(c) => {
                    self.runtime.start(&c.id).await?;
                    for s in sidecars_of(all, c) {
                        // A sidecar shares the namespace the restart just made.
                        self.runtime.stop(&s.id).await?;
                        self.runtime.start(&s.id).await?;
                    }
                    c.id.clone()
                }
                None => match self.runtime.start_replica(me, spec, replica).await {
                    Ok(id) => id,
                    Err(e) => return Ok(Err(e.to_string())),
                },
            };
            if let Err(reason) =
                wait_ready(&self.runtime, release, &id, spec.readiness.as_ref()).await
            {
                return Ok(Err(format!("replica {replica}: {reason}")));
            }
        }
        // Replicas beyond the count (scaled down) go.
        for c in current.iter().filter(|c| c.replica >= spec.replicas) {
            self.runtime.remove(&c.id).await?;
        }
        Ok(Ok(()))
    }

    /// Run the component's init jobs not yet run for this release.
    async fn init_jobs(
        &self,
        release: &str,
        me: &Owner,
        spec: &ComponentSpec,
    ) -> Result<Result<(), Failure>, Error> {
        for job in &spec.init {
            if self.store.init_done(release, &spec.name, &job.name).await? {
                continue;
            }
            self.say(&format!(
                "running init job `{}` of `{}`",
                job.name, spec.name
            ));
            let outcome = self
                .runtime
                .run_job(
                    me,
                    spec,
                    &format!("init-{}", job.name),
                    &job.command,
                    &job.files,
                )
                .await?;
            if outcome.exit_code != 0 {
                return Ok(Err(format!(
                    "init job `{}` of `{}` exited with {}: {}",
                    job.name, spec.name, outcome.exit_code, outcome.output
                )));
            }
            self.store
                .mark_init_done(release, &spec.name, &job.name)
                .await?;
        }
        Ok(Ok(()))
    }

    /// The new revision is healthy: remove what it replaced, close the journal.
    async fn commit(
        &self,
        release: &str,
        old: Option<i64>,
        number: i64,
        new: &DesiredState,
        prune_data: bool,
    ) -> Result<(), Error> {
        for c in self.runtime.containers(release).await? {
            if !belongs_to(&c, new) {
                self.runtime.remove(&c.id).await?;
            }
        }
        if prune_data {
            if let Some(old) = old {
                if let Some(rev) = self.store.revision(release, old).await? {
                    for c in parse_state(&rev)?.components {
                        if new.component(&c.name).is_none() {
                            self.runtime.remove_volumes(release, Some(&c.name)).await?;
                        }
                    }
                }
            }
        }
        if let Some(old) = old {
            self.store
                .set_outcome(release, old, RevisionOutcome::Superseded, None)
                .await?;
        }
        let reason = self
            .store
            .revision(release, number)
            .await?
            .and_then(|r| r.reason);
        self.store
            .set_outcome(release, number, RevisionOutcome::Deployed, reason)
            .await?;
        self.store
            .set_release(release, ReleaseState::Healthy, "", Some(number))
            .await?;
        self.store.finish(release).await?;
        let _ = std::fs::remove_dir_all(self.snapshot_dir(release));
        self.say(&format!(
            "`{release}` runs {} (revision {number})",
            new.version
        ));
        Ok(())
    }

    /// Bring back revision `number` (`state`): remove every container that is
    /// not its, put the snapshots back, start its containers again (or make
    /// them anew), and wait for them.
    pub(super) async fn restore(
        &self,
        release: &str,
        number: i64,
        state: &DesiredState,
        snapshots: &[Snapshot],
    ) -> Result<(), Error> {
        let me = owner(state, number);
        self.runtime.prepare(release).await?;
        for c in self.runtime.containers(release).await? {
            let restored = snapshots.iter().any(|s| s.component == c.component);
            if !belongs_to(&c, state) || restored {
                self.runtime.remove(&c.id).await?;
            }
        }
        for s in snapshots {
            let tar = std::fs::read(&s.file).map_err(|source| Error::Io {
                action: "read the snapshot",
                path: s.file.clone(),
                source,
            })?;
            let spec = state.component(&s.component).cloned();
            if let Some(spec) = spec {
                self.say(&format!(
                    "restoring volume `{}` of `{}`",
                    s.volume, s.component
                ));
                self.runtime
                    .restore_volume(&me, &spec, &s.volume, tar)
                    .await?;
            }
        }
        for spec in &state.components {
            let all = self.runtime.containers(release).await?;
            let current = replicas_from(&all, spec);
            if let Err(reason) = self.ensure(release, &me, spec, &all, &current).await? {
                self.say(&format!(
                    "warning: `{}` of revision {number} is not ready: {reason}",
                    spec.name
                ));
            }
        }
        Ok(())
    }
}

/// Write a file and make sure it is on disk before the journal names it.
fn write_durably(dir: &Path, file: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let io = |source| Error::Io {
        action: "write the snapshot",
        path: file.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut f = std::fs::File::create(file).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}
