//! What the release commands (`install`, `upgrade`, `rollback`, `status`,
//! `history`, `uninstall`, `export`) share: the agent on its data dir, values
//! from `--values`/`--set`, and how a release and an operation's outcome are
//! shown.

use super::ExitStatus;
use crate::agent::deliver::Narrator;
use crate::agent::operation::{Agent, Outcome, Progress, ReleaseStatus};
use crate::agent::runtime::docker::DockerRuntime;
use crate::agent::values::{parse_set, parse_values_file, Answers};
use crate::agent::Access;
use crate::cli::{AgentDirArgs, ValueArgs};
use crate::error::Error;
use crate::output::{Printer, BOLD};
use semver::Version;
use souk_schema::manifest::Parameter;
use souk_schema::TemplateName;
use std::sync::Arc;

/// The agent on the data dir, its progress on stderr.
pub(super) async fn open(
    dir: &AgentDirArgs,
    printer: &Printer,
    access: Access,
) -> Result<Agent<DockerRuntime>, Error> {
    let quiet = printer.is_json();
    let progress: Progress = Arc::new(move |m: &str| {
        if !quiet {
            eprintln!("  {m}");
        }
    });
    let data_dir = match &dir.data_dir {
        Some(d) => d.clone(),
        None => crate::agent::default_data_dir()?,
    };
    crate::agent::open(&data_dir, progress, access, printer.show_progress()).await
}

/// `--values FILE` then `--set`s, typed by the template's parameters.
pub(super) fn answers(args: &ValueArgs, params: &[Parameter]) -> Result<Answers, Error> {
    let mut answers = Answers::new();
    if let Some(path) = &args.values {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        answers.extend(parse_values_file(&text).map_err(|message| Error::Render {
            message: format!("`{}`: {message}", path.display()),
        })?);
    }
    for item in &args.set {
        let (k, v) = parse_set(item, params).map_err(|p| Error::Values { problems: vec![p] })?;
        answers.insert(k, v);
    }
    Ok(answers)
}

/// Print the outcome: the release's status when deployed; an error when rolled back.
pub(super) async fn finish(
    agent: &Agent<DockerRuntime>,
    release: &str,
    outcome: Outcome,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    match outcome {
        Outcome::Deployed { .. } => {
            show(agent, release, printer).await?;
            Ok(ExitStatus::Success)
        }
        Outcome::RolledBack {
            failed,
            restored,
            reason,
        } => Err(Error::RolledBack {
            release: release.into(),
            failed,
            restored,
            reason,
        }),
    }
}

/// One release's status, as JSON or for people.
pub(super) async fn show(
    agent: &Agent<DockerRuntime>,
    release: &str,
    printer: &Printer,
) -> Result<(), Error> {
    let status = agent.status(&agent.release(release).await?).await?;
    if printer.is_json() {
        printer.json(&status)
    } else {
        print_status(&status, printer)
    }
}

/// One release, for people.
fn print_status(s: &ReleaseStatus, printer: &Printer) -> Result<(), Error> {
    let mut lines = vec![format!(
        "{} {}@{} revision {} {}",
        printer.out_style(BOLD, &s.release),
        s.template,
        s.version,
        s.revision
            .map(|n| n.to_string())
            .unwrap_or_else(|| "-".into()),
        s.state
    )];
    if !s.message.is_empty() {
        lines.push(format!("  {}", s.message));
    }
    for c in &s.components {
        let ids: Vec<&str> = c
            .containers
            .iter()
            .map(|id| id.get(..12).unwrap_or(id))
            .collect();
        lines.push(format!("  {:<16} {:<9} {}", c.name, c.state, ids.join(" ")));
        for url in &c.urls {
            lines.push(format!("  {:<16} {url}", ""));
        }
    }
    printer.data(&lines.join("\n"))
}

/// The CLI hears about a delivery's steps on stderr; outcomes are shown by [`finish`].
impl Narrator for Printer {
    fn installing(&self, release: &str, name: &TemplateName, version: &Version) {
        self.status(&format!(
            "installing `{name}@{version}` as release `{release}`"
        ));
    }

    fn upgrading(&self, release: &str, _from: &Version, to: &Version) {
        self.status(&format!("upgrading `{release}` to {to}"));
    }

    fn skipping(&self, release: &str, version: &Version) {
        self.status(&format!(
            "not upgrading `{release}` to {version}: it failed here before"
        ));
    }

    fn stepped(&self, _release: &str, _outcome: &Outcome) {}
}
