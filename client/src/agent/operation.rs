//! The operation executor: install, upgrade, rollback and uninstall of a
//! release, health-gated, with a journal so that an agent stopped in the
//! middle finishes (by rolling back) when it starts again.
//!
//! An upgrade, in order: record the new revision and open the journal; pull
//! images; for each migration whose `from` matches the installed version, stop
//! its component, snapshot the volumes it touches (kept on disk, named in the
//! journal) and run it; then component by component in start order: keep the
//! unchanged ones (same containers), replace the changed ones (replicas > 1:
//! new first, then old stopped), add the new ones, each waiting for its
//! readiness probe; stop the removed ones. Everything new ready: old
//! containers are removed and the journal closed. Anything failing: new
//! containers go, snapshots are restored, the old containers start again.

use super::plan::{plan, Change};
use super::probe::wait_ready;
use super::render::{render, ComponentSpec, DesiredState};
use super::runtime::{ContainerInfo, Owner, Runtime};
use super::state::{now, outcome, release_state, Journal, Release, Revision, Store};
use super::values::{self, Answers, Values};
use crate::error::Error;
use serde::{Deserialize, Serialize};
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

/// A volume snapshot taken before a migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub component: String,
    pub volume: String,
    pub file: PathBuf,
}

/// One component of `souk status`.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    pub name: String,
    /// `running` (every replica up), `degraded`, `stopped`.
    pub state: String,
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
    pub state: String,
    pub message: String,
    pub components: Vec<ComponentStatus>,
}

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
        let manifest = package.template.manifest();
        let values = values::resolve(&manifest.parameters, answers)
            .map_err(|problems| Error::Values { problems })?;
        let state = render(manifest, &package.files, release, &values)
            .map_err(|message| Error::Render { message })?;
        Ok((values, state))
    }

    /// Install `package` as a new release.
    pub async fn install(
        &self,
        release: &str,
        package: &Package,
        answers: &Answers,
    ) -> Result<Outcome, Error> {
        if self.store.release(release).await?.is_some() {
            return Err(Error::ReleaseExists {
                release: release.into(),
            });
        }
        let (values, state) = self.render(release, package, answers)?;
        let revision = Revision {
            release: release.into(),
            number: 1,
            version: state.version.clone(),
            digest: package.digest.to_string(),
            vals: serde_json::to_string(&values).expect("values serialise"),
            rendered: serde_json::to_string(&state).expect("a state serialises"),
            outcome: outcome::PENDING.into(),
            reason: None,
            created_at: now(),
        };
        self.store
            .create_release(
                Release {
                    name: release.into(),
                    template: state.template.clone(),
                    current_revision: None,
                    state: release_state::INSTALLING.into(),
                    message: format!("installing {}", state.version),
                    updated_at: now(),
                },
                revision,
            )
            .await?;
        self.deploy(release, None, 1, &state, "install", false)
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
        let (current, old_rev) = self.current(release).await?;
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
            .add_revision(Revision {
                release: release.into(),
                number: 0,
                version: state.version.clone(),
                digest: package.digest.to_string(),
                vals: serde_json::to_string(&values).expect("values serialise"),
                rendered: serde_json::to_string(&state).expect("a state serialises"),
                outcome: outcome::PENDING.into(),
                reason: None,
                created_at: now(),
            })
            .await?;
        let old = parse_state(&old_rev)?;
        self.store
            .set_release(
                release,
                release_state::UPGRADING,
                &format!("upgrading {} → {}", old.version, state.version),
                None,
            )
            .await?;
        let _ = current;
        self.deploy(
            release,
            Some((old_rev.number, old)),
            number,
            &state,
            "upgrade",
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
                    && matches!(r.outcome.as_str(), outcome::SUPERSEDED | outcome::DEPLOYED)
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
                outcome: outcome::PENDING.into(),
                reason: Some(format!("rollback to revision {}", target.number)),
                created_at: now(),
                ..target.clone()
            })
            .await?;
        let old = parse_state(&current)?;
        self.store
            .set_release(
                release,
                release_state::UPGRADING,
                &format!("rolling back to revision {}", target.number),
                None,
            )
            .await?;
        self.deploy(
            release,
            Some((current.number, old)),
            number,
            &state,
            "rollback",
            false,
        )
        .await
    }

    /// Remove a release: its containers, network and (unless `keep_data`) volumes.
    pub async fn uninstall(&self, release: &str, keep_data: bool) -> Result<(), Error> {
        if self.store.release(release).await?.is_none() {
            return Err(Error::ReleaseNotFound {
                release: release.into(),
            });
        }
        for c in self.runtime.containers(release).await? {
            self.runtime.remove(&c.id).await?;
        }
        self.runtime.remove_network(release).await?;
        if !keep_data {
            self.runtime.remove_volumes(release, None).await?;
        }
        let _ = std::fs::remove_dir_all(self.snapshot_dir(release));
        self.store.delete_release(release).await?;
        Ok(())
    }

    /// The release's running revision.
    pub async fn current(&self, release: &str) -> Result<(Release, Revision), Error> {
        let r = self
            .store
            .release(release)
            .await?
            .ok_or_else(|| Error::ReleaseNotFound {
                release: release.into(),
            })?;
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

    fn snapshot_dir(&self, release: &str) -> PathBuf {
        self.data_dir.join("snapshots").join(release)
    }

    /// Apply `new` (revision `number`) over `old`, health-gated; roll back on failure.
    async fn deploy(
        &self,
        release: &str,
        old: Option<(i64, DesiredState)>,
        number: i64,
        new: &DesiredState,
        operation: &str,
        prune_data: bool,
    ) -> Result<Outcome, Error> {
        self.store
            .begin(Journal {
                release: release.into(),
                operation: operation.into(),
                from_revision: old.as_ref().map(|(n, _)| *n),
                to_revision: number,
                snapshots: "[]".into(),
                started_at: now(),
            })
            .await?;
        let attempt = self
            .apply(release, old.as_ref(), number, new, operation)
            .await?;
        match attempt {
            Ok(()) => {
                self.commit(
                    release,
                    old.as_ref().map(|(n, _)| *n),
                    number,
                    new,
                    prune_data,
                )
                .await?;
                Ok(Outcome::Deployed { revision: number })
            }
            Err(reason) => {
                let reason = new.redact(&reason);
                self.say(&format!("revision {number} failed: {reason}"));
                let snapshots = self.journal_snapshots(release).await?;
                self.store
                    .set_outcome(release, number, outcome::FAILED, Some(reason.clone()))
                    .await?;
                match &old {
                    Some((n, state)) => {
                        self.say(&format!("rolling back to revision {n}"));
                        self.restore(release, *n, state, &snapshots).await?;
                        self.store
                            .set_release(
                                release,
                                release_state::ROLLED_BACK,
                                &format!("{} failed: {reason}", new.version),
                                Some(*n),
                            )
                            .await?;
                    }
                    None => {
                        for c in self.runtime.containers(release).await? {
                            self.runtime.remove(&c.id).await?;
                        }
                        self.store
                            .set_release(release, release_state::FAILED, &reason, None)
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
        }
    }

    async fn journal_snapshots(&self, release: &str) -> Result<Vec<Snapshot>, Error> {
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
        operation: &str,
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
        let migrations = if operation == "rollback" {
            Vec::new()
        } else {
            plan.migrations.clone()
        };

        // Migrations: stop the component, snapshot its volumes, migrate.
        let mut snapshots: Vec<Snapshot> = Vec::new();
        for m in &migrations {
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
                let tar = self.runtime.snapshot_volume(&me, spec, &v.name).await?;
                let dir = self.snapshot_dir(release).join(number.to_string());
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
                .run_job(&me, spec, &format!("migrate-{}", m.name), &m.command, &[])
                .await?;
            if outcome.exit_code != 0 {
                return Ok(Err(format!(
                    "migration `{}` exited with {}: {}",
                    m.name, outcome.exit_code, outcome.output
                )));
            }
        }

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
                    self.ensure(release, &me, spec, &all, &current).await?
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
                    let r = self.ensure(release, &me, spec, &all, &current).await?;
                    if surge && r.is_ok() {
                        self.stop_all(&all, &stale).await?;
                    }
                    r
                }
            };
            if let Err(reason) = result {
                return Ok(Err(format!("`{name}`: {reason}")));
            }
            if let Err(reason) = self.init_jobs(release, &me, spec).await? {
                return Ok(Err(reason));
            }
        }
        Ok(Ok(()))
    }

    /// Stop containers and their sidecars.
    async fn stop_all(&self, all: &[ContainerInfo], which: &[&ContainerInfo]) -> Result<(), Error> {
        for c in which {
            for s in all.iter().filter(|s| {
                s.component == c.component
                    && s.sidecar.is_some()
                    && s.replica == c.replica
                    && s.fingerprint == c.fingerprint
            }) {
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
                    for s in all.iter().filter(|s| {
                        s.component == c.component
                            && s.sidecar.is_some()
                            && s.replica == c.replica
                            && s.fingerprint == c.fingerprint
                    }) {
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
            let keep = !c.job
                && new
                    .component(&c.component)
                    .is_some_and(|s| s.fingerprint() == c.fingerprint);
            if !keep {
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
                .set_outcome(release, old, outcome::SUPERSEDED, None)
                .await?;
        }
        let reason = self
            .store
            .revision(release, number)
            .await?
            .and_then(|r| r.reason);
        self.store
            .set_outcome(release, number, outcome::DEPLOYED, reason)
            .await?;
        self.store
            .set_release(release, release_state::HEALTHY, "", Some(number))
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
    async fn restore(
        &self,
        release: &str,
        number: i64,
        state: &DesiredState,
        snapshots: &[Snapshot],
    ) -> Result<(), Error> {
        let me = owner(state, number);
        self.runtime.prepare(release).await?;
        for c in self.runtime.containers(release).await? {
            let keep = !c.job
                && state
                    .component(&c.component)
                    .is_some_and(|s| s.fingerprint() == c.fingerprint);
            let restored = snapshots.iter().any(|s| s.component == c.component);
            if !keep || restored {
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
            let fp = spec.fingerprint();
            let current: Vec<&ContainerInfo> = replicas_of(&all, &spec.name)
                .into_iter()
                .filter(|c| c.fingerprint == fp)
                .collect();
            if let Err(reason) = self.ensure(release, &me, spec, &all, &current).await? {
                self.say(&format!(
                    "warning: `{}` of revision {number} is not ready: {reason}",
                    spec.name
                ));
            }
        }
        Ok(())
    }

    /// Finish what an agent stopped in the middle of left: roll each
    /// interrupted operation back to the revision that ran before it.
    pub async fn recover(&self) -> Result<Vec<String>, Error> {
        let mut recovered = Vec::new();
        for j in self.store.journals().await? {
            let snapshots: Vec<Snapshot> = serde_json::from_str(&j.snapshots).unwrap_or_default();
            self.say(&format!(
                "`{}`: the {} to revision {} was interrupted; rolling back",
                j.release, j.operation, j.to_revision
            ));
            self.store
                .set_outcome(
                    &j.release,
                    j.to_revision,
                    outcome::INTERRUPTED,
                    Some("the agent stopped during the operation".into()),
                )
                .await?;
            match j.from_revision {
                Some(n) => {
                    let rev = self.store.revision(&j.release, n).await?.ok_or_else(|| {
                        Error::NoRevision {
                            release: j.release.clone(),
                            revision: Some(n),
                        }
                    })?;
                    self.restore(&j.release, n, &parse_state(&rev)?, &snapshots)
                        .await?;
                    self.store
                        .set_release(
                            &j.release,
                            release_state::HEALTHY,
                            &format!(
                                "the {} to revision {} was interrupted and rolled back",
                                j.operation, j.to_revision
                            ),
                            Some(n),
                        )
                        .await?;
                    self.store.finish(&j.release).await?;
                }
                None => {
                    // An interrupted install leaves nothing worth keeping but data.
                    for c in self.runtime.containers(&j.release).await? {
                        self.runtime.remove(&c.id).await?;
                    }
                    self.store.delete_release(&j.release).await?;
                }
            }
            let _ = std::fs::remove_dir_all(self.snapshot_dir(&j.release));
            recovered.push(j.release);
        }
        Ok(recovered)
    }

    /// A release's status: its record and what the runtime runs for it.
    pub async fn status(&self, release: &Release) -> Result<ReleaseStatus, Error> {
        let rev = match release.current_revision {
            Some(n) => self.store.revision(&release.name, n).await?,
            None => None,
        };
        let state = rev.as_ref().map(parse_state).transpose()?;
        let all = self.runtime.containers(&release.name).await?;
        let mut components = Vec::new();
        if let Some(state) = &state {
            for spec in &state.components {
                let fp = spec.fingerprint();
                let mine: Vec<&ContainerInfo> = replicas_of(&all, &spec.name)
                    .into_iter()
                    .filter(|c| c.fingerprint == fp)
                    .collect();
                let running = mine.iter().filter(|c| c.running).count() as u32;
                let urls = spec
                    .published
                    .iter()
                    .filter_map(|p| {
                        let route = p.http.as_ref()?;
                        let host_port = mine
                            .iter()
                            .find_map(|c| {
                                c.host_ports.iter().find(|(cp, _)| *cp == p.container_port)
                            })?
                            .1;
                        Some(format!(
                            "http://127.0.0.1:{host_port}{} (host {})",
                            route.path, route.host
                        ))
                    })
                    .collect();
                components.push(ComponentStatus {
                    name: spec.name.clone(),
                    state: if running >= spec.replicas {
                        "running"
                    } else if running > 0 {
                        "degraded"
                    } else {
                        "stopped"
                    }
                    .into(),
                    containers: mine.iter().map(|c| c.id.clone()).collect(),
                    urls,
                });
            }
        }
        Ok(ReleaseStatus {
            release: release.name.clone(),
            template: release.template.clone(),
            version: rev.as_ref().map(|r| r.version.clone()).unwrap_or_default(),
            revision: release.current_revision,
            state: release.state.clone(),
            message: release.message.clone(),
            components,
        })
    }
}

/// Write a file and make sure it is on disk before the journal names it.
fn write_durably(dir: &std::path::Path, file: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
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
