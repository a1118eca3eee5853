//! `souk install`: resolve, download (digest-checked), render, run, wait ready.
//! Also the helpers the other release commands share.

use super::ExitStatus;
use crate::agent::operation::{Agent, Outcome, Progress};
use crate::agent::runtime::docker::DockerRuntime;
use crate::agent::values::{parse_set, parse_values_file, Answers};
pub(crate) use crate::agent::Access;
use crate::cli::{AgentDirArgs, InstallArgs, ValueArgs};
use crate::error::Error;
use crate::output::Printer;
use crate::registry::RegistryClient;
use semver::VersionReq;
use souk_schema::manifest::Parameter;
use std::sync::Arc;

pub async fn install(
    args: &InstallArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let name = &args.template.name;
    let req = args.template.req.clone().unwrap_or(VersionReq::STAR);
    let resolved = client.resolve(name, &req, None, args.pre).await?.data;
    printer.status(&format!(
        "installing `{name}@{}` as release `{}`",
        resolved.version, args.release
    ));
    let package = crate::agent::fetch(client, name, &resolved.version, &resolved.digest).await?;
    let answers = answers(&args.values, &package.template.manifest().parameters)?;
    let agent = open(&args.agent, printer, Access::Write).await?;
    let outcome = agent.install(&args.release, &package, &answers).await?;
    finish(&agent, &args.release, outcome, printer).await
}

/// The agent on the data dir, its progress on stderr.
pub(crate) async fn open(
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
    crate::agent::open(&dir.data_dir, progress, access).await
}

/// `--values FILE` then `--set`s, typed by the template's parameters.
pub(crate) fn answers(args: &ValueArgs, params: &[Parameter]) -> Result<Answers, Error> {
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
pub(crate) async fn finish(
    agent: &Agent<DockerRuntime>,
    release: &str,
    outcome: Outcome,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    match outcome {
        Outcome::Deployed { .. } => {
            let record =
                agent
                    .store
                    .release(release)
                    .await?
                    .ok_or_else(|| Error::ReleaseNotFound {
                        release: release.into(),
                    })?;
            let status = agent.status(&record).await?;
            if printer.is_json() {
                printer.json(&status)?;
            } else {
                super::status::print_one(&status, printer)?;
            }
            Ok(ExitStatus::Success)
        }
        Outcome::RolledBack { failed, reason, .. } => Err(Error::RolledBack {
            release: release.into(),
            failed,
            reason,
        }),
    }
}
