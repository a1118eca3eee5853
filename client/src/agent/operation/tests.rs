//! Table tests of the executor's decisions on the in-memory runtime: what an
//! install, an upgrade and a rollback keep, replace and remove; that a failed
//! revision gives way to the previous containers and data; and that an agent
//! that crashed at any step recovers to the previous revision. The Docker
//! end-to-end tests (`tests/e2e/agent.rs`) check the same on a real engine.

use super::{Agent, Outcome};
use crate::agent::render::DesiredState;
use crate::agent::runtime::memory::{crashes, Crash, MemoryRuntime};
use crate::agent::runtime::Runtime;
use crate::agent::state::{ReleaseState, RevisionOutcome, Store};
use crate::agent::values::Answers;
use semver::VersionReq;
use souk_schema::package::Package;
use souk_schema::validate::{parse_and_validate, Files};
use souk_schema::Digest;
use std::collections::BTreeMap;
use std::sync::Arc;
use Fate::*;

const RELEASE: &str = "shop";

/// The first version every upgrade starts from.
const V1: &[&str] = &["db=db:1", "api=api:1", "web=web:1 x2"];

/// A version of the test template. `components` are `NAME=IMAGE[ xN]` items
/// (N replicas), in start order: each depends on the one before it. Every
/// component has an `exec` readiness probe; `db` also has a volume, a sidecar
/// and an init job. Each of `migrations` runs on `db`, from any version.
fn package(version: &str, components: &[&str], migrations: &[&str]) -> Package {
    let mut yaml = format!(
        "apiVersion: souk/v1\nkind: Template\nname: acme/shop\nversion: {version}\n\
         title: Shop\nsummary: A shop.\ncategory: other\n"
    );
    if components.iter().any(|c| c.starts_with("db=")) {
        yaml += "plugins:\n  - {name: exporter, kind: sidecar, image: \"exp:1\"}\n";
    }
    yaml += "components:\n";
    let mut previous: Option<&str> = None;
    for item in components {
        let (item, replicas) = item
            .split_once(" x")
            .map_or((*item, 1), |(c, n)| (c, n.parse().unwrap()));
        let (name, image) = item.split_once('=').unwrap();
        yaml += &format!(
            "  - name: {name}\n    image: \"{image}\"\n    replicas: {replicas}\n    \
             probes: {{readiness: {{exec: {{command: [ready]}}, periodSeconds: 1, failureThreshold: 1}}}}\n"
        );
        if let Some(p) = previous {
            yaml += &format!("    dependsOn: [{p}]\n");
        }
        if name == "db" {
            yaml +=
                "    volumes: [{name: data, path: /data}]\n    plugins: [{name: exporter}]\n    \
                     init: [{name: seed, command: [seed]}]\n";
        }
        previous = Some(name);
    }
    if !migrations.is_empty() {
        yaml += "migrations:\n";
        for m in migrations {
            yaml += &format!("  - {{name: {m}, from: \"*\", component: db, command: [migrate]}}\n");
        }
    }
    let mut files = Files::new();
    files.insert("souk.yaml".into(), yaml.clone().into_bytes());
    let template =
        parse_and_validate(&yaml, Some(&files)).unwrap_or_else(|p| panic!("{p:?}\n{yaml}"));
    Package {
        template,
        files,
        digest: Digest::of(yaml.as_bytes()),
        size: yaml.len() as u64,
    }
}

/// One site: a data dir with its state, and an engine.
struct Site {
    dir: tempfile::TempDir,
    store: Store,
    rt: MemoryRuntime,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        Site {
            dir,
            store,
            rt: MemoryRuntime::default(),
        }
    }

    /// An agent on the site, as a process started anew has it.
    fn agent(&self) -> Agent<MemoryRuntime> {
        Agent {
            runtime: self.rt.clone(),
            store: self.store.clone(),
            data_dir: self.dir.path().to_path_buf(),
            progress: Arc::new(|_| {}),
            _lock: None,
        }
    }

    /// A site running `V1` as revision 1.
    async fn with_v1() -> Site {
        let site = Site::new();
        let outcome = site
            .agent()
            .install(
                RELEASE,
                &package("1.0.0", V1, &[]),
                &Answers::new(),
                &VersionReq::STAR,
            )
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Deployed { revision: 1 });
        site
    }

    /// The main containers of each component, running or not.
    async fn replicas(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in self.rt.containers(RELEASE).await.unwrap() {
            if c.sidecar.is_none() && !c.job {
                out.entry(c.component).or_default().push(c.id);
            }
        }
        out
    }

    fn data(&self) -> Option<String> {
        let bytes = self.rt.volume(RELEASE, "db", "data")?;
        Some(String::from_utf8(bytes).unwrap())
    }

    /// Revision `number` runs, all of it, and nothing else of the release is left.
    async fn assert_runs(&self, number: i64) {
        let rev = self.store.revision(RELEASE, number).await.unwrap().unwrap();
        let state: DesiredState = serde_json::from_str(&rev.rendered).unwrap();
        let all = self.rt.containers(RELEASE).await.unwrap();
        for c in &all {
            let spec = state.component(&c.component);
            assert!(
                c.running && !c.job && spec.is_some_and(|s| s.fingerprint() == c.fingerprint),
                "{c:?} is not of revision {number}, or not running: {all:#?}"
            );
        }
        for spec in &state.components {
            let containers = all.iter().filter(|c| c.component == spec.name).count();
            let expected = spec.replicas as usize * (1 + spec.sidecars.len());
            assert_eq!(containers, expected, "`{}`: {all:#?}", spec.name);
        }
    }

    /// The release's record: its state, its current revision, every revision's outcome.
    async fn assert_release(
        &self,
        state: ReleaseState,
        current: Option<i64>,
        outcomes: &[RevisionOutcome],
    ) {
        let release = self.store.release(RELEASE).await.unwrap().unwrap();
        assert_eq!(
            (release.state, release.current_revision),
            (state, current),
            "{}",
            release.message
        );
        let got: Vec<RevisionOutcome> = self
            .store
            .revisions(RELEASE)
            .await
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(got, outcomes);
        assert!(self.store.journals().await.unwrap().is_empty());
        assert!(!self.dir.path().join("snapshots").join(RELEASE).exists());
    }
}

/// What an operation did to a component's main containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// The same containers, never stopped.
    Untouched,
    /// The same containers, stopped and started again.
    Restarted,
    /// Other containers.
    Replaced,
    Added,
    Removed,
}

/// Each component's fate, from its containers before and after and the steps logged.
fn fates(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
    log: &[String],
) -> BTreeMap<String, Fate> {
    let names = before.keys().chain(after.keys());
    names
        .map(|name| {
            let (old, new) = (&before.get(name), &after.get(name));
            let fate = match (old, new) {
                (None, Some(_)) => Added,
                (Some(_), None) => Removed,
                (Some(old), Some(new)) if old == new => {
                    if old.iter().any(|id| log.contains(&format!("stop {id}"))) {
                        Restarted
                    } else {
                        Untouched
                    }
                }
                (Some(old), Some(new)) if old.iter().all(|id| !new.contains(id)) => Replaced,
                _ => panic!("`{name}` kept some containers and replaced others: {old:?} → {new:?}"),
            };
            (name.clone(), fate)
        })
        .collect()
}

/// One upgrade from `V1`.
struct Upgrade {
    what: &'static str,
    to: &'static [&'static str],
    migrations: &'static [&'static str],
    /// The component whose probe fails.
    unready: Option<&'static str>,
    /// The job that fails.
    failing_job: Option<&'static str>,
    /// Whether the new revision ends deployed (else rolled back).
    deployed: bool,
    fates: &'static [(&'static str, Fate)],
    /// `db`'s data afterwards.
    data: &'static str,
}

const UPGRADE: Upgrade = Upgrade {
    what: "",
    to: V1,
    migrations: &[],
    unready: None,
    failing_job: None,
    deployed: true,
    fates: &[],
    data: "init-seed;",
};

#[tokio::test]
async fn upgrades_keep_replace_add_and_remove_and_a_failure_restores_the_previous_containers() {
    let all_new: &[&str] = &["db=db:2", "api=api:2", "web=web:2 x2"];
    let rows = [
        Upgrade {
            what: "nothing changes",
            fates: &[("api", Untouched), ("db", Untouched), ("web", Untouched)],
            ..UPGRADE
        },
        Upgrade {
            what: "web changes",
            to: &["db=db:1", "api=api:1", "web=web:2 x2"],
            fates: &[("api", Untouched), ("db", Untouched), ("web", Replaced)],
            ..UPGRADE
        },
        Upgrade {
            what: "api, a dependency of web, changes",
            to: &["db=db:1", "api=api:2", "web=web:1 x2"],
            fates: &[("api", Replaced), ("db", Untouched), ("web", Untouched)],
            ..UPGRADE
        },
        Upgrade {
            what: "everything changes; the data and the init job stay",
            to: all_new,
            fates: &[("api", Replaced), ("db", Replaced), ("web", Replaced)],
            ..UPGRADE
        },
        Upgrade {
            what: "api goes, cache comes",
            to: &["db=db:1", "cache=cache:1", "web=web:1 x2"],
            fates: &[
                ("api", Removed),
                ("cache", Added),
                ("db", Untouched),
                ("web", Untouched),
            ],
            ..UPGRADE
        },
        Upgrade {
            what: "web scales out",
            to: &["db=db:1", "api=api:1", "web=web:1 x3"],
            fates: &[("api", Untouched), ("db", Untouched), ("web", Replaced)],
            ..UPGRADE
        },
        Upgrade {
            what: "a migration runs on the data",
            to: &["db=db:2", "api=api:1", "web=web:1 x2"],
            migrations: &["m"],
            fates: &[("api", Untouched), ("db", Replaced), ("web", Untouched)],
            data: "init-seed;migrate-m;",
            ..UPGRADE
        },
        // The probe fails at each component in turn: what was replaced before
        // it starts again, what comes after it is never touched.
        Upgrade {
            what: "db's probe fails",
            to: all_new,
            unready: Some("db"),
            deployed: false,
            fates: &[("api", Untouched), ("db", Restarted), ("web", Untouched)],
            ..UPGRADE
        },
        Upgrade {
            what: "api's probe fails",
            to: all_new,
            unready: Some("api"),
            deployed: false,
            fates: &[("api", Restarted), ("db", Restarted), ("web", Untouched)],
            ..UPGRADE
        },
        Upgrade {
            what: "web's probe fails: with two replicas, the new start first",
            to: all_new,
            unready: Some("web"),
            deployed: false,
            fates: &[("api", Restarted), ("db", Restarted), ("web", Untouched)],
            ..UPGRADE
        },
        Upgrade {
            what: "the probe of an added component fails; the removed one was not stopped yet",
            to: &["db=db:1", "cache=cache:1", "web=web:1 x2"],
            unready: Some("cache"),
            deployed: false,
            fates: &[("api", Untouched), ("db", Untouched), ("web", Untouched)],
            ..UPGRADE
        },
        // After a migration, the data comes back, and `db` is made anew
        // around it (no container may use a volume being restored).
        Upgrade {
            what: "the probe fails after a migration",
            to: all_new,
            migrations: &["m"],
            unready: Some("web"),
            deployed: false,
            fates: &[("api", Restarted), ("db", Replaced), ("web", Untouched)],
            ..UPGRADE
        },
        Upgrade {
            what: "the migration fails",
            to: all_new,
            migrations: &["m"],
            failing_job: Some("migrate-m"),
            deployed: false,
            fates: &[("api", Untouched), ("db", Replaced), ("web", Untouched)],
            ..UPGRADE
        },
    ];
    for row in rows {
        let what = row.what;
        let site = Site::with_v1().await;
        if let Some(c) = row.unready {
            site.rt.set_unready(c, true);
        }
        if let Some(job) = row.failing_job {
            site.rt.fail_job(job);
        }
        let before = site.replicas().await;
        site.rt.take_log();
        let outcome = site
            .agent()
            .upgrade(
                RELEASE,
                &package("2.0.0", row.to, row.migrations),
                &Answers::new(),
                false,
            )
            .await
            .unwrap();
        let log = site.rt.take_log();
        let expected: BTreeMap<String, Fate> =
            row.fates.iter().map(|(c, f)| (c.to_string(), *f)).collect();
        assert_eq!(
            fates(&before, &site.replicas().await, &log),
            expected,
            "{what}: {log:#?}"
        );
        assert_eq!(site.data().as_deref(), Some(row.data), "{what}");
        if row.deployed {
            assert_eq!(outcome, Outcome::Deployed { revision: 2 }, "{what}");
            site.assert_runs(2).await;
            site.assert_release(
                ReleaseState::Healthy,
                Some(2),
                &[RevisionOutcome::Superseded, RevisionOutcome::Deployed],
            )
            .await;
        } else {
            let Outcome::RolledBack {
                failed: 2,
                restored: Some(1),
                reason,
            } = outcome
            else {
                panic!("{what}: {outcome:?}");
            };
            let culprit = match (row.unready, row.failing_job) {
                (Some(c), _) => format!("`{c}`"),
                (None, job) => format!(
                    "migration `{}`",
                    job.unwrap().trim_start_matches("migrate-")
                ),
            };
            assert!(reason.contains(&culprit), "{what}: {reason}");
            site.assert_runs(1).await;
            site.assert_release(
                ReleaseState::RolledBack,
                Some(1),
                &[RevisionOutcome::Deployed, RevisionOutcome::Failed],
            )
            .await;
        }
    }
}

#[tokio::test]
async fn an_install_that_fails_at_any_component_leaves_nothing_running() {
    for unready in [None, Some("db"), Some("api"), Some("web")] {
        let site = Site::new();
        if let Some(c) = unready {
            site.rt.set_unready(c, true);
        }
        let outcome = site
            .agent()
            .install(
                RELEASE,
                &package("1.0.0", V1, &[]),
                &Answers::new(),
                &VersionReq::STAR,
            )
            .await
            .unwrap();
        match unready {
            None => {
                assert_eq!(outcome, Outcome::Deployed { revision: 1 });
                let added = fates(&BTreeMap::new(), &site.replicas().await, &[]);
                assert!(added.values().all(|f| *f == Added), "{added:?}");
                assert_eq!(added.len(), 3);
                site.assert_runs(1).await;
                site.assert_release(ReleaseState::Healthy, Some(1), &[RevisionOutcome::Deployed])
                    .await;
            }
            Some(c) => {
                assert!(
                    matches!(&outcome, Outcome::RolledBack { failed: 1, restored: None, reason } if reason.contains(c)),
                    "{c}: {outcome:?}"
                );
                assert!(site.rt.containers(RELEASE).await.unwrap().is_empty());
                site.assert_release(ReleaseState::Failed, None, &[RevisionOutcome::Failed])
                    .await;
            }
        }
    }
}

#[tokio::test]
async fn a_failed_install_is_installed_again_and_a_running_release_is_not() {
    let site = Site::new();
    site.rt.set_unready("web", true);
    let v1 = package("1.0.0", V1, &[]);
    let caret = VersionReq::parse("^1").unwrap();
    let outcome = site
        .agent()
        .install(RELEASE, &v1, &Answers::new(), &VersionReq::STAR)
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::RolledBack {
                failed: 1,
                restored: None,
                ..
            }
        ),
        "{outcome:?}"
    );
    site.rt.set_unready("web", false);
    let outcome = site
        .agent()
        .install(RELEASE, &v1, &Answers::new(), &caret)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Deployed { revision: 2 });
    site.assert_runs(2).await;
    site.assert_release(
        ReleaseState::Healthy,
        Some(2),
        &[RevisionOutcome::Failed, RevisionOutcome::Deployed],
    )
    .await;
    let release = site.store.release(RELEASE).await.unwrap().unwrap();
    assert_eq!(
        release.requirement, "^1",
        "the retry's requirement is remembered"
    );
    let again = site
        .agent()
        .install(RELEASE, &v1, &Answers::new(), &caret)
        .await;
    assert!(
        matches!(again, Err(crate::error::Error::ReleaseExists { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_rollback_is_a_new_revision_and_runs_no_migration() {
    let site = Site::new();
    let agent = site.agent();
    let v1 = package("1.0.0", V1, &["m"]);
    agent
        .install(RELEASE, &v1, &Answers::new(), &VersionReq::STAR)
        .await
        .unwrap();
    let v2 = package("2.0.0", &["db=db:1", "api=api:2", "web=web:1 x2"], &["m"]);
    agent
        .upgrade(RELEASE, &v2, &Answers::new(), false)
        .await
        .unwrap();
    assert_eq!(site.data().as_deref(), Some("init-seed;migrate-m;"));
    let before = site.replicas().await;
    site.rt.take_log();
    // Back to the revision before (1): v1's migration matches the installed
    // 2.0.0, yet a rollback takes the data as it is.
    let outcome = agent.rollback(RELEASE, None).await.unwrap();
    assert_eq!(outcome, Outcome::Deployed { revision: 3 });
    let log = site.rt.take_log();
    assert_eq!(
        fates(&before, &site.replicas().await, &log),
        BTreeMap::from([
            ("api".to_string(), Replaced),
            ("db".to_string(), Untouched),
            ("web".to_string(), Untouched),
        ])
    );
    assert_eq!(site.data().as_deref(), Some("init-seed;migrate-m;"));
    site.assert_runs(3).await;
    site.assert_release(
        ReleaseState::Healthy,
        Some(3),
        &[
            RevisionOutcome::Superseded,
            RevisionOutcome::Superseded,
            RevisionOutcome::Deployed,
        ],
    )
    .await;
}

/// An upgrade from `V1` to crash in; `unready` makes it fail, so that the
/// crash also falls in the middle of its rollback.
struct CrashCase {
    what: &'static str,
    to: &'static [&'static str],
    migrations: &'static [&'static str],
    unready: Option<&'static str>,
}

const CRASH_CASES: &[CrashCase] = &[
    CrashCase {
        what: "an upgrade that migrates and replaces everything",
        to: &["db=db:2", "api=api:2", "web=web:2 x2"],
        migrations: &["m"],
        unready: None,
    },
    CrashCase {
        what: "an upgrade that adds and removes",
        to: &["db=db:1", "cache=cache:1", "web=web:2 x2"],
        migrations: &[],
        unready: None,
    },
    CrashCase {
        what: "an upgrade that migrates, fails and rolls back",
        to: &["db=db:2", "api=api:2", "web=web:2 x2"],
        migrations: &["m"],
        unready: Some("web"),
    },
];

/// Run `case` on a site running `V1`, crashing at `crash` (none: to the end);
/// how many steps the upgrade took.
async fn crash_upgrade(site: &Site, case: &CrashCase, crash: Option<Crash>) -> usize {
    if let Some(c) = case.unready {
        site.rt.set_unready(c, true);
    }
    site.rt.take_log();
    if let Some(at) = crash {
        site.rt.crash(at);
    }
    let agent = site.agent();
    let upgrade = async {
        let v2 = package("2.0.0", case.to, case.migrations);
        agent
            .upgrade(RELEASE, &v2, &Answers::new(), false)
            .await
            .unwrap();
    };
    let crashed = crashes(upgrade).await;
    assert_eq!(crashed, crash.is_some(), "{}, {crash:?}", case.what);
    if let Some(c) = case.unready {
        // v1 is healthy, whatever v2 was.
        site.rt.set_unready(c, false);
    }
    site.rt.steps()
}

/// After recovery: revision 1 runs, with its data, and revision 2 is marked interrupted.
async fn assert_recovered(site: &Site, what: &str) {
    site.assert_runs(1).await;
    site.assert_release(
        ReleaseState::Healthy,
        Some(1),
        &[RevisionOutcome::Deployed, RevisionOutcome::Interrupted],
    )
    .await;
    assert_eq!(site.data().as_deref(), Some("init-seed;"), "{what}");
}

#[tokio::test]
async fn an_agent_that_crashed_at_any_step_of_an_upgrade_recovers_the_previous_revision() {
    for case in CRASH_CASES {
        let steps = crash_upgrade(&Site::with_v1().await, case, None).await;
        assert!(steps > 10, "{}: {steps} steps", case.what);
        for n in 1..=steps {
            for at in [Crash::Before(n), Crash::After(n)] {
                let what = format!("{}, crash {at:?} of {steps}", case.what);
                let site = Site::with_v1().await;
                crash_upgrade(&site, case, Some(at)).await;
                let recovered = site.agent().recover().await.unwrap();
                assert_eq!(recovered, [RELEASE], "{what}");
                assert_recovered(&site, &what).await;
            }
        }
    }
}

#[tokio::test]
async fn a_recovery_that_crashes_is_finished_by_the_next() {
    let case = &CRASH_CASES[0];
    // Late enough that new containers run beside the stopped old ones.
    let late = crash_upgrade(&Site::with_v1().await, case, None).await * 2 / 3;
    let interrupted = move || async move {
        let site = Site::with_v1().await;
        crash_upgrade(&site, case, Some(Crash::After(late))).await;
        site
    };
    let site = interrupted().await;
    site.rt.take_log();
    site.agent().recover().await.unwrap();
    let steps = site.rt.steps();
    assert!(steps > 3, "{steps} steps");
    for n in 1..=steps {
        for at in [Crash::Before(n), Crash::After(n)] {
            let what = format!("recovery crash {at:?} of {steps}");
            let site = interrupted().await;
            site.rt.crash(at);
            assert!(crashes(site.agent().recover()).await, "{what}");
            assert_eq!(site.agent().recover().await.unwrap(), [RELEASE], "{what}");
            assert_recovered(&site, &what).await;
        }
    }
}

#[tokio::test]
async fn an_agent_that_crashed_at_any_step_of_an_install_leaves_nothing() {
    let install = |site: &Site| {
        let agent = site.agent();
        async move {
            let v1 = package("1.0.0", V1, &[]);
            agent
                .install(RELEASE, &v1, &Answers::new(), &VersionReq::STAR)
                .await
                .unwrap();
        }
    };
    let clean = Site::new();
    assert!(!crashes(install(&clean)).await);
    let steps = clean.rt.steps();
    assert!(steps > 5, "{steps} steps");
    for n in 1..=steps {
        for at in [Crash::Before(n), Crash::After(n)] {
            let site = Site::new();
            site.rt.crash(at);
            assert!(crashes(install(&site)).await, "{at:?}");
            assert_eq!(site.agent().recover().await.unwrap(), [RELEASE], "{at:?}");
            assert!(
                site.store.release(RELEASE).await.unwrap().is_none(),
                "{at:?}"
            );
            assert!(
                site.rt.containers(RELEASE).await.unwrap().is_empty(),
                "{at:?}"
            );
        }
    }
}
