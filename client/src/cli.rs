//! The command line's shape: every command, argument and flag, with its help.
//!
//! Arguments are parsed into domain types here (`TemplateName`, [`TemplateRef`],
//! [`VersionRef`], `VersionReq`), so a malformed one is a usage error that clap
//! reports with exit code 2 before any command runs.

use crate::registry::DEFAULT_REGISTRY;
use clap::{Args, Parser, Subcommand, ValueEnum};
use reqwest::Url;
use secrecy::SecretString;
use semver::{Version, VersionReq};
use souk_schema::TemplateName;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

const EXAMPLES: &str = "\
Examples:
  souk lint                                  Check the template in this folder
  souk package -o dist                       Write dist/NAME-VERSION.tgz
  souk publish --token $TOKEN                Lint, package and upload this folder
  souk search warehouse --category logistics
  souk info acme/smart-warehouse             A template and its versions
  souk info acme/smart-warehouse@1.2.0       One version: components, parameters, digest
  souk resolve acme/smart-warehouse '^2' --from 1.0.0
  souk yank acme/smart-warehouse@1.2.1       Stop new installs of a bad version
  souk schema > template-v1.json             For editors that validate souk.yaml
  souk import compose docker-compose.yml     Start a template from a Compose file

Exit status: 0 success, 1 a failure explained on stderr, 2 bad usage.
With `--output json`, stdout holds one JSON document: the result, or on failure
{\"error\": {\"code\", \"message\", \"details\"}} as the registry's API writes errors.";

/// souk: publish application templates to a souk registry, and explore it.
///
/// A template is a folder with a `souk.yaml` manifest and the files it
/// references. `souk` checks it, packs it into a reproducible `.tgz`, uploads
/// it to a registry, and queries what the registry holds.
#[derive(Debug, Parser)]
#[command(name = "souk", version, after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The registry's address.
    #[arg(
        long,
        global = true,
        env = "SOUK_REGISTRY",
        value_name = "URL",
        default_value = DEFAULT_REGISTRY,
        value_parser = parse_registry_url,
    )]
    pub registry: Url,

    /// An API token, needed to publish and yank (scope `publish:NAMESPACE`) and
    /// to read private templates.
    #[arg(
        long,
        global = true,
        env = "SOUK_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        value_parser = parse_token,
    )]
    pub token: Option<SecretString>,

    /// How to print results: `text` for people, `json` for programs.
    #[arg(long, global = true, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// The form of what a command prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Lines and tables for people.
    #[default]
    Text,
    /// One JSON document: the registry's JSON, or an object each command documents.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a template folder and print every problem with its field path.
    ///
    /// Validates `souk.yaml` and the files it references exactly as the
    /// registry will, and lists every problem at once as
    /// `error: PATH: MESSAGE`. Exits 1 when there is any.
    /// With `--output json`, prints the problems as `[{"path", "message"}]`.
    #[command(
        after_help = "Examples:\n  souk lint\n  souk lint templates/smart-warehouse\n  souk lint smart-warehouse-1.2.0.tgz"
    )]
    Lint(LintArgs),

    /// Write the template's reproducible `.tgz` package and print its path and digest.
    ///
    /// The package holds `souk.yaml` and the files it references, in a fixed
    /// order with fixed times and owners: the same folder always gives the same
    /// bytes, and so the same `sha256:` digest. The file is named
    /// `NAME-VERSION.tgz`. With `--output json`, prints
    /// `{"name", "version", "path", "digest", "size", "files"}`.
    #[command(
        after_help = "Examples:\n  souk package\n  souk package templates/smart-warehouse -o dist"
    )]
    Package(PackageArgs),

    /// Lint, package and upload a template folder (or upload a `.tgz`).
    ///
    /// A folder is checked and packed as `souk package` does; a `.tgz` is
    /// checked locally before it is sent. Needs a token with the scope
    /// `publish:NAMESPACE`. Prints `NAMESPACE/NAME@VERSION sha256:…`; with
    /// `--output json`, the registry's version object.
    #[command(
        after_help = "Examples:\n  SOUK_TOKEN=… souk publish\n  souk publish dist/smart-warehouse-1.2.0.tgz --registry https://souk.example.com --token $TOKEN"
    )]
    Publish(PublishArgs),

    /// Search the registry's templates.
    ///
    /// Prints a table of name, latest version, category and title; with
    /// `--output json`, the registry's `{items, total, facets}`.
    #[command(
        after_help = "Examples:\n  souk search\n  souk search warehouse\n  souk search --category iot --tag mqtt --page 2"
    )]
    Search(SearchArgs),

    /// Show a template and its versions, or one version's contents.
    ///
    /// `NS/NAME` shows the template: title, summary, category, tags, license,
    /// homepage and every version (yanked and pre-release ones marked).
    /// `NS/NAME@VERSION` shows that version: its digest, components with their
    /// images and ports, and parameters (a secret's default is never shown).
    /// With `--output json`, the registry's JSON.
    #[command(
        after_help = "Examples:\n  souk info acme/smart-warehouse\n  souk info acme/smart-warehouse@1.2.0"
    )]
    Info(InfoArgs),

    /// Ask the registry which version a requirement picks, and the upgrade path to it.
    ///
    /// Prints the chosen version on the first line and the path on the second
    /// (`1.0.0 → 1.1.0 → 2.0.0`): with `--from`, only versions reachable by
    /// allowed upgrades are chosen, through intermediate versions when a
    /// version's `upgrade.from` demands it. Yanked versions are never chosen.
    /// With `--output json`, the registry's `{version, digest, path}`.
    #[command(
        after_help = "Examples:\n  souk resolve acme/smart-warehouse '^1'\n  souk resolve acme/smart-warehouse '>=1, <3' --from 1.0.0\n  souk resolve acme/smart-warehouse '^2' --pre"
    )]
    Resolve(ResolveArgs),

    /// Yank a version (or un-yank it with `--undo`).
    ///
    /// A yanked version is never chosen by resolution, so no new install or
    /// upgrade gets it; sites that run it can still download it. Needs a token
    /// with the scope `publish:NAMESPACE`.
    #[command(
        after_help = "Examples:\n  souk yank acme/smart-warehouse@1.2.1\n  souk yank acme/smart-warehouse@1.2.1 --undo"
    )]
    Yank(YankArgs),

    /// Print the JSON Schema of `souk.yaml` (template format v1).
    ///
    /// Editors use it to validate a manifest as it is typed. Needs no registry.
    #[command(after_help = "Examples:\n  souk schema > template-v1.json")]
    Schema,

    /// Write a template folder from another format: a Docker Compose file or a
    /// Rainbond application template.
    ///
    /// The folder passes `souk lint` as written. Everything that could not be
    /// carried over is printed as `warning: FIELD: REASON`, FIELD being where in
    /// the source it stood; nothing is dropped silently. Secrets are never copied
    /// into the folder: they become `secret` parameters asked at install.
    /// With `--output json`, prints `{"path", "name", "version", "files", "warnings"}`.
    #[command(
        subcommand,
        after_help = "Examples:\n  souk import compose docker-compose.yml -o my-app\n  souk import compose compose.yaml --image web=registry.example.com/acme/web:1.0.0\n  souk import rainbond ghost.json --namespace acme"
    )]
    Import(ImportSource),

    /// Write a template as a file for another tool: `docker-compose.yml`.
    ///
    /// For a customer who runs a template without the agent. The template is a
    /// folder, a `.tgz`, or `NS/NAME[@VERSION]` from the registry (its digest
    /// checked); it is rendered with the parameter values exactly as `souk
    /// install` would, then written as Compose. What Compose cannot do as the
    /// agent does (init jobs, migrations, HTTP probes, host-name routing) is
    /// printed as `warning:` lines.
    #[command(
        subcommand,
        after_help = "Examples:\n  souk export compose acme/smart-warehouse@2.0.0 --set admin_password=$PW -o wh/docker-compose.yml\n  souk export compose ./my-app --values site.yaml"
    )]
    Export(ExportFormat),

    /// Install a template on this site's container engine (Docker) as a release.
    ///
    /// Resolves the requirement (`*` when none is given) on the registry,
    /// downloads the package (refused unless its digest is the one announced),
    /// checks the parameter values against the template, pulls the images and
    /// starts the components in `dependsOn` order, each after the ones it
    /// depends on are ready; init jobs run once, after their component is ready.
    /// Exits 1 when the release does not become ready. Secret values are never
    /// printed. With `--output json`, prints the release's status (see `souk status`).
    #[command(
        after_help = "Examples:\n  souk install acme/smart-warehouse --release wh --set admin_password=$PW\n  souk install acme/smart-warehouse@^1.2 --release wh --values site.yaml --set domain=wh.example.com"
    )]
    Install(InstallArgs),

    /// Upgrade a release to the newest version its requirement allows, or `--to V`.
    ///
    /// The requirement is the one given at install (`NS/NAME@^1`; `*` when none
    /// was); `--requirement REQ` replaces it, `--to V` crosses it once. Goes through the intermediate versions that `upgrade.from` demands.
    /// Components that did not change keep their containers; changed ones are
    /// replaced (several replicas: new ones first); migrations run after a
    /// snapshot of the volumes they touch. If the new revision is not ready in
    /// time, or a migration fails, the previous revision comes back (its data
    /// restored from the snapshot) and the command exits 1.
    #[command(
        after_help = "Examples:\n  souk upgrade wh\n  souk upgrade wh --to 1.3.0 --set retention_days=90\n  souk upgrade wh --requirement ^2"
    )]
    Upgrade(UpgradeArgs),

    /// Roll a release back to an earlier revision (by default the one before).
    ///
    /// The earlier revision's version and values are applied again as a new
    /// revision. Volumes are kept as they are.
    #[command(after_help = "Examples:\n  souk rollback wh\n  souk rollback wh --revision 1")]
    Rollback(RollbackArgs),

    /// Show this site's releases, or one release, and their components' state.
    ///
    /// With `--output json`, prints `{release, template, version, revision,
    /// state, message, components: [{name, state, containers, urls}]}` (a list
    /// of them without a release name).
    #[command(after_help = "Examples:\n  souk status\n  souk status wh --output json")]
    Status(StatusArgs),

    /// List a release's revisions: version, outcome, and why one failed.
    #[command(after_help = "Examples:\n  souk history wh")]
    History(HistoryArgs),

    /// Remove a release: its containers, network and volumes (unless `--keep-data`).
    #[command(after_help = "Examples:\n  souk uninstall wh\n  souk uninstall wh --keep-data")]
    Uninstall(UninstallArgs),

    /// Run the agent: follow the registry's feed, install and upgrade the
    /// subscribed releases on their own, and report their state.
    ///
    /// The configuration file (TOML) names the registry, the token, this
    /// agent's id and its subscriptions. While the registry is unreachable the
    /// agent waits and retries; running releases are never touched by an outage.
    #[command(after_help = "Examples:\n  souk agent --config /etc/souk/agent.toml")]
    Agent(AgentArgs),

    /// Print the completion script of a shell.
    #[command(
        after_help = "Examples:\n  souk completions bash > /etc/bash_completion.d/souk\n  souk completions zsh > \"${fpath[1]}/_souk\"\n  souk completions fish > ~/.config/fish/completions/souk.fish\n  souk completions powershell >> $PROFILE"
    )]
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

/// The shells `souk completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// Where the agent keeps its state, config files and snapshots.
#[derive(Debug, Args)]
pub struct AgentDirArgs {
    /// The agent's data folder (its SQLite state, config files, snapshots)
    /// [default: `/var/lib/souk` for root, else `$XDG_DATA_HOME/souk` or
    /// `~/.local/share/souk`].
    #[arg(long = "data-dir", env = "SOUK_AGENT_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Parameter values given on the command line.
#[derive(Debug, Args)]
pub struct ValueArgs {
    /// A parameter value, `NAME=VALUE`; may be repeated; wins over `--values`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,

    /// A YAML or JSON file of parameter values (`name: value` lines).
    #[arg(long = "values", value_name = "FILE")]
    pub values: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The template and an optional semver requirement: `NS/NAME` or `NS/NAME@REQ`.
    #[arg(value_name = "NS/NAME[@REQ]")]
    pub template: TemplateReq,

    /// The release's name on this site: `[a-z0-9][a-z0-9-]*`, at most 40 characters.
    #[arg(long, value_name = "R", value_parser = parse_release)]
    pub release: String,

    #[command(flatten)]
    pub values: ValueArgs,

    /// Admit pre-releases inside the requirement's range.
    #[arg(long)]
    pub pre: bool,

    #[command(flatten)]
    pub agent: AgentDirArgs,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The release to upgrade.
    #[arg(value_name = "R", value_parser = parse_release)]
    pub release: String,

    /// Go to exactly this version, even outside the release's requirement,
    /// through the intermediate versions its `upgrade.from` demands.
    #[arg(long, value_name = "V", value_parser = parse_version, conflicts_with = "requirement")]
    pub to: Option<Version>,

    /// Replace the requirement given at install (`souk install NS/NAME@REQ`),
    /// which upgrades otherwise stay within, and go to the newest version it allows.
    #[arg(long, value_name = "REQ", value_parser = parse_req)]
    pub requirement: Option<VersionReq>,

    #[command(flatten)]
    pub values: ValueArgs,

    /// Admit pre-releases.
    #[arg(long)]
    pub pre: bool,

    /// Remove the volumes of components the new version no longer has.
    #[arg(long)]
    pub prune_data: bool,

    #[command(flatten)]
    pub agent: AgentDirArgs,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The release to roll back.
    #[arg(value_name = "R", value_parser = parse_release)]
    pub release: String,

    /// The revision to go back to (default: the one before the current one).
    #[arg(long, value_name = "N")]
    pub revision: Option<i64>,

    #[command(flatten)]
    pub agent: AgentDirArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One release (default: all of them).
    #[arg(value_name = "R", value_parser = parse_release)]
    pub release: Option<String>,

    #[command(flatten)]
    pub agent: AgentDirArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(value_name = "R", value_parser = parse_release)]
    pub release: String,

    #[command(flatten)]
    pub agent: AgentDirArgs,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    #[arg(value_name = "R", value_parser = parse_release)]
    pub release: String,

    /// Keep the release's volumes (a later install of the same name finds them).
    #[arg(long)]
    pub keep_data: bool,

    #[command(flatten)]
    pub agent: AgentDirArgs,
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The agent's configuration (TOML): registry, token, agent id, subscriptions.
    #[arg(
        long,
        value_name = "FILE",
        env = "SOUK_AGENT_CONFIG",
        default_value = "agent.toml"
    )]
    pub config: PathBuf,

    // Wins over `data_dir` in the configuration.
    #[command(flatten)]
    pub agent: AgentDirArgs,

    /// Stop after this many seconds (for tests and benchmarks; default: run until killed).
    #[arg(long, value_name = "SECONDS", hide = true)]
    pub exit_after: Option<u64>,
}

/// A release name: it names Docker networks, volumes and containers.
pub fn parse_release(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not a release name: `[a-z0-9][a-z0-9-]*`, at most 40 characters"
        ))
    }
}

/// `NS/NAME` or `NS/NAME@REQ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateReq {
    pub name: TemplateName,
    pub req: Option<VersionReq>,
}

impl FromStr for TemplateReq {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, req) = match s.split_once('@') {
            Some((name, req)) => (name, Some(parse_req(req)?)),
            None => (s, None),
        };
        Ok(TemplateReq {
            name: TemplateName::parse(name)?,
            req,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// Write a `docker-compose.yml` (and the config files it mounts, under
    /// `souk-files/` beside it).
    #[command(
        after_help = "Examples:\n  souk export compose acme/smart-warehouse --set admin_password=$PW\n  souk export compose ./my-app -o deploy/docker-compose.yml --release shop"
    )]
    Compose(ExportComposeArgs),
}

#[derive(Debug, Args)]
pub struct ExportComposeArgs {
    /// A template folder, a `.tgz`, or `NS/NAME[@VERSION]` on the registry
    /// (the newest stable version when none is given).
    #[arg(value_name = "DIR|TGZ|NS/NAME[@VERSION]")]
    pub source: String,

    #[command(flatten)]
    pub values: ValueArgs,

    /// The release name `${release.name}` expands to (default: the template's name).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,

    /// The file to write.
    #[arg(
        short = 'o',
        long = "output-file",
        value_name = "FILE",
        default_value = "docker-compose.yml"
    )]
    pub file: PathBuf,

    /// Replace the file (and the files beside it) if they exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Import a Docker Compose file (services, ports, environment, volumes,
    /// health checks, `${VAR:-default}` as parameters).
    #[command(
        after_help = "Examples:\n  souk import compose docker-compose.yml\n  souk import compose compose.yaml -o shop --namespace acme --image api=registry.example.com/acme/api:2.1.0"
    )]
    Compose(ComposeImportArgs),
    /// Import a Rainbond application template (the JSON a Rainbond console
    /// exports, bare or wrapped in its app record).
    #[command(
        after_help = "Examples:\n  souk import rainbond ghost.json -o ghost --namespace acme"
    )]
    Rainbond(RainbondImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportTarget {
    /// The folder to write (default: the template's name); it must not exist or be empty.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// The namespace of the template's name (default: `imported`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Write into a folder that is not empty, replacing the files it imports.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ComposeImportArgs {
    /// The Compose file; files it refers to (env_file, bind mounts) are read
    /// from its folder.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    #[command(flatten)]
    pub target: ImportTarget,

    /// The template's name (default: the project's `name:`, or the file's stem).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The image for a service that Compose builds (`build:`), as `SERVICE=REF`.
    #[arg(long = "image", value_name = "SERVICE=REF", value_parser = parse_image_override)]
    pub images: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct RainbondImportArgs {
    /// The Rainbond template's JSON file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    #[command(flatten)]
    pub target: ImportTarget,
}

fn parse_image_override(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((service, image)) if !service.is_empty() && !image.is_empty() => {
            Ok((service.to_string(), image.to_string()))
        }
        _ => Err(format!("`{s}` is not `SERVICE=IMAGE`")),
    }
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The template folder (or a `.tgz` package) to check.
    #[arg(value_name = "DIR", default_value = ".")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The template folder to pack.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// The folder to write `NAME-VERSION.tgz` into (created if missing).
    #[arg(
        short = 'o',
        long = "out-dir",
        value_name = "OUT_DIR",
        default_value = "."
    )]
    pub out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The template folder, or a `.tgz` made by `souk package`.
    #[arg(value_name = "DIR|TGZ", default_value = ".")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to look for in names, titles, summaries and tags.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,

    /// Only templates in this category (a slug such as `iot` or `logistics`).
    #[arg(long, value_name = "C")]
    pub category: Option<String>,

    /// Only templates with this tag.
    #[arg(long, value_name = "T")]
    pub tag: Option<String>,

    /// Which page of results to show.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,

    /// How many results a page holds.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub per_page: u32,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The template, `NS/NAME`, or one of its versions, `NS/NAME@VERSION`.
    #[arg(value_name = "NS/NAME[@VERSION]")]
    pub template: TemplateRef,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The template, `NS/NAME`.
    #[arg(value_name = "NS/NAME")]
    pub template: TemplateName,

    /// A semver requirement in Cargo's syntax: `^1.2`, `~1.4`, `>=1, <3`, `*`.
    #[arg(value_name = "REQ", value_parser = parse_req)]
    pub req: VersionReq,

    /// The installed version: choose only versions it can upgrade to, and print the path.
    #[arg(long, value_name = "V")]
    pub from: Option<Version>,

    /// Admit pre-releases (`2.0.0-rc.1`) inside the requirement's range.
    #[arg(long)]
    pub pre: bool,
}

#[derive(Debug, Args)]
pub struct YankArgs {
    /// The version to yank, `NS/NAME@VERSION`.
    #[arg(value_name = "NS/NAME@VERSION")]
    pub version: VersionRef,

    /// Un-yank: let resolution choose the version again.
    #[arg(long)]
    pub undo: bool,
}

pub fn parse_registry_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{s}` is not an http:// or https:// URL"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(format!("`{s}` has no host"));
    }
    Ok(url)
}

fn parse_token(s: &str) -> Result<SecretString, String> {
    if s.trim().is_empty() {
        return Err("the token is empty".into());
    }
    Ok(SecretString::from(s.trim()))
}

/// A command line clap refused, printed as clap prints it or, under
/// `--output json`, also as the JSON error object on stdout; exit 2. Help and
/// version requests are printed as they are, exit 0.
pub fn usage_error(e: clap::Error) -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if !e.use_stderr() || !json_requested(&args) {
        e.exit();
    }
    let rendered = e.render().to_string();
    let text = rendered.strip_prefix("error: ").unwrap_or(&rendered);
    let end = ["\n\nUsage:", "\n\nFor more information"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    let message = text[..end].trim().to_string();
    crate::output::Printer::new(OutputFormat::Json).report(&crate::Error::Usage { message });
    std::process::ExitCode::from(2)
}

/// Whether the arguments ask for `--output json` (clap could not say: it failed).
fn json_requested(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .zip(args.iter().skip(1).map(Some).chain([None]))
        .any(|(a, next)| {
            a == "--output=json" || (a == "--output" && next.is_some_and(|n| n == "json"))
        })
}

/// A semver requirement; when malformed, the message teaches the syntax.
pub fn parse_req(s: &str) -> Result<VersionReq, String> {
    VersionReq::parse(s).map_err(|e| {
        format!(
            "`{s}` is not a version requirement: {e}\n\n\
             accepted (comma-separated for several):\n  \
             1.2.3       1.2.3 or later, below 2.0.0 (same as ^1.2.3)\n  \
             ^1.2        1.2.0 or later, below 2.0.0\n  \
             ~1.4        1.4.0 or later, below 1.5.0\n  \
             >=1.2, <3   both bounds\n  \
             =1.2.3      exactly 1.2.3\n  \
             1.*         any 1.x\n  \
             *           any version"
        )
    })
}

fn parse_version(s: &str) -> Result<Version, String> {
    let v = Version::parse(s).map_err(|e| format!("`{s}` is not a semver version: {e}"))?;
    if !v.build.is_empty() {
        return Err(format!(
            "`{s}` has build metadata (`+{}`), which souk versions never carry",
            v.build
        ));
    }
    Ok(v)
}

/// `NS/NAME` or `NS/NAME@VERSION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub name: TemplateName,
    pub version: Option<Version>,
}

impl FromStr for TemplateRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, version) = match s.split_once('@') {
            Some((name, version)) => (name, Some(parse_version(version)?)),
            None => (s, None),
        };
        Ok(TemplateRef {
            name: TemplateName::parse(name)?,
            version,
        })
    }
}

impl fmt::Display for TemplateRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{}@{v}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

/// `NS/NAME@VERSION`: one exact version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    pub name: TemplateName,
    pub version: Version,
}

impl FromStr for VersionRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let r: TemplateRef = s.parse()?;
        match r.version {
            Some(version) => Ok(VersionRef {
                name: r.name,
                version,
            }),
            None => Err(format!(
                "`{s}` names no version: expected `NS/NAME@VERSION`"
            )),
        }
    }
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn template_references() {
        let r: TemplateRef = "acme/smart-warehouse@1.2.0-beta.1".parse().unwrap();
        assert_eq!(r.name.to_string(), "acme/smart-warehouse");
        assert_eq!(r.version.unwrap().to_string(), "1.2.0-beta.1");
        let r: TemplateRef = "acme/smart-warehouse".parse().unwrap();
        assert_eq!(r.version, None);
        for bad in [
            "acme",
            "acme/x@",
            "acme/x@1.2",
            "Acme/x@1.0.0",
            "acme/x@1.0.0+build",
            "acme/x/y@1.0.0",
        ] {
            assert!(
                bad.parse::<TemplateRef>().is_err(),
                "{bad} should be rejected"
            );
        }
        assert!("acme/x".parse::<VersionRef>().is_err());
        let v: VersionRef = "acme/x@2.0.0".parse().unwrap();
        assert_eq!(v.to_string(), "acme/x@2.0.0");
    }

    #[test]
    fn registry_urls_must_be_http() {
        assert!(parse_registry_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_registry_url("https://souk.example.com/prefix/").is_ok());
        assert!(parse_registry_url("127.0.0.1:8080").is_err());
        assert!(parse_registry_url("ftp://x").is_err());
    }
}
