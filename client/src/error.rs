//! The crate's one error type: every failure `souk` explains, with its context.
//!
//! Policy, as in uv: an error names what it was working on (which folder, which
//! file, which URL) and carries what the registry said (`code`, `message`,
//! `details`). Rendering is [`crate::output::Printer::report`]'s job: one
//! `error:` line, the problems as `error: PATH: MESSAGE`, then `hint:` lines
//! from [`Error::hints`]. The exit code comes from [`Error::exit_code`].

use reqwest::{Method, StatusCode};
use souk_schema::wire::ApiError;
use souk_schema::Problem;
use std::path::PathBuf;

/// Why a `souk` command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path given does not exist.
    #[error("`{}` does not exist", .path.display())]
    NotFound { path: PathBuf },

    /// A file was given where a template folder is needed.
    #[error("`{}` is a file, not a template folder", .path.display())]
    NotAFolder { path: PathBuf },

    /// A template folder or package could not be read, validated, packed or unpacked.
    #[error("{}", template_message(.path, .error))]
    Template {
        /// The folder or `.tgz` being read.
        path: PathBuf,
        /// Not a `#[source]`: the message above already says all of it.
        error: souk_schema::Error,
    },

    /// Reading or writing a local file failed.
    #[error("cannot {action} `{}`", .path.display())]
    Io {
        /// What was being done: `read`, `write`, `create the folder`, …
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Writing to standard output failed (a closed pipe is not reported).
    #[error("cannot write to standard output")]
    Stdout(#[source] std::io::Error),

    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),

    /// No connection to the registry could be made.
    #[error("cannot connect to the registry at `{registry}`: {cause}")]
    Connect {
        /// The `--registry` URL.
        registry: String,
        /// The request's URL.
        url: String,
        /// The innermost cause (`Connection refused (os error 111)`, a DNS failure, …).
        cause: String,
    },

    /// The registry did not answer in time.
    #[error("`{method} {url}` timed out")]
    Timeout { method: Method, url: String },

    /// A request failed on the way (connection reset, TLS, a body that could not be sent).
    #[error("`{method} {url}` failed: {cause}")]
    Request {
        method: Method,
        url: String,
        cause: String,
    },

    /// The registry answered with an error in the API's format.
    #[error("{} (`{method} {url}` answered {status})", .error.message)]
    Api {
        method: Method,
        url: String,
        status: StatusCode,
        /// The server's `{"error": {code, message, details}}` (boxed: errors stay small).
        error: Box<ApiError>,
        /// Whether a token was sent; the hint for 401 depends on it.
        authenticated: bool,
    },

    /// The registry's answer was not what the API promises (not JSON, or not
    /// the expected shape): probably not a souk registry, or an incompatible one.
    #[error("unexpected answer to `{method} {url}` ({status}): {reason}")]
    UnexpectedResponse {
        method: Method,
        url: String,
        status: StatusCode,
        reason: String,
    },

    /// A file in another format could not be imported.
    #[error("cannot import `{}`: {error}", .path.display())]
    Import {
        path: PathBuf,
        /// Not a `#[source]`: the message above already says all of it.
        error: souk_schema::import::ImportError,
    },

    /// The folder to write into already holds files.
    #[error("`{}` already exists and is not empty", .path.display())]
    FolderNotEmpty { path: PathBuf },

    /// A file to write already exists.
    #[error("`{}` already exists", .path.display())]
    FileExists { path: PathBuf },

    /// An argument clap could not check by itself is malformed (exit 2).
    #[error("{message}")]
    Usage { message: String },

    /// Publishing a version that already exists (409 `version_exists`).
    #[error("`{name}@{version}` is already published on `{registry}`")]
    VersionExists {
        name: String,
        version: String,
        registry: String,
    },

    /// The container engine refused or failed a call.
    #[error(transparent)]
    Runtime(#[from] crate::agent::runtime::RuntimeError),

    /// The agent's state database failed.
    #[error(transparent)]
    Store(#[from] crate::agent::state::StoreError),

    /// No release of that name on this site.
    #[error("no release `{release}` on this site")]
    ReleaseNotFound { release: String },

    /// Installing a release name that is taken.
    #[error("release `{release}` is already installed")]
    ReleaseExists { release: String },

    /// Parameter values the template refuses; a secret's value is never quoted.
    #[error("the parameter values are not valid for this template")]
    Values {
        problems: Vec<crate::agent::values::ValueProblem>,
    },

    /// A template could not be rendered into containers.
    #[error("cannot render the template: {message}")]
    Render { message: String },

    /// A downloaded package's bytes do not have the announced digest.
    #[error("the package of `{name}` has digest `{actual}`, not the `{expected}` the registry announced: refused")]
    DigestMismatch {
        name: String,
        expected: String,
        actual: String,
    },

    /// A revision that does not exist (or none to go back to).
    #[error("{}", match .revision { Some(n) => format!("release `{release}` has no revision {n}"), None => format!("release `{release}` has no revision to use") })]
    NoRevision {
        release: String,
        revision: Option<i64>,
    },

    /// The new revision did not become healthy; the previous one (if any: not
    /// after a first install) runs again.
    #[error("{}", match .restored {
        Some(_) => format!("revision {failed} of `{release}` failed and was rolled back: {reason}"),
        None => format!("installing `{release}` failed (revision {failed}); nothing of it runs: {reason}"),
    })]
    RolledBack {
        release: String,
        failed: i64,
        restored: Option<i64>,
        reason: String,
    },

    /// Another process holds the agent's data dir (a running `souk agent`?).
    #[error("another souk process is changing the releases in `{}`", .path.display())]
    Busy { path: PathBuf },

    /// The agent's configuration file is not usable.
    #[error("cannot use the agent configuration `{}`: {message}", .path.display())]
    AgentConfig { path: PathBuf, message: String },

    /// No data folder was given and this user has no platform data folder.
    #[error("the agent has no data folder: neither `XDG_DATA_HOME` nor `HOME` is set")]
    NoDataDir,
}

fn template_message(path: &std::path::Path, source: &souk_schema::Error) -> String {
    use souk_schema::Error as S;
    let path = path.display();
    match source {
        S::Invalid(p) => format!(
            "`{path}` is not a valid template ({} problem{})",
            p.len(),
            if p.len() == 1 { "" } else { "s" }
        ),
        S::NoManifest(_) => format!("no `souk.yaml` in `{path}`"),
        S::UnsafePackage(m) => format!("`{path}` is not a safe package: {m}"),
        S::TooLarge(m) => format!("`{path}` is too large: {m}"),
        S::Corrupt(m) => format!("`{path}` is not a readable `.tgz` package: {m}"),
        S::Io { path: file, source } => format!("cannot read `{}`: {source}", file.display()),
    }
}

impl Error {
    /// The process exit code: 2 for bad usage (clap catches most of it before a
    /// command runs), 1 for every other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. } => 2,
            _ => 1,
        }
    }

    /// A `snake_case` code: the registry's own when it sent one, else ours.
    /// Used in `--output json` error objects.
    pub fn code(&self) -> &str {
        use souk_schema::Error as S;
        match self {
            Error::NotFound { .. } => "not_found",
            Error::NotAFolder { .. } => "not_a_folder",
            Error::Template { error, .. } => match error {
                S::Invalid(_) => "invalid_template",
                S::NoManifest(_) => "no_manifest",
                S::UnsafePackage(_) => "unsafe_package",
                S::TooLarge(_) => "package_too_large",
                S::Corrupt(_) => "corrupt_package",
                S::Io { .. } => "io",
            },
            Error::Io { .. } | Error::Stdout(_) => "io",
            Error::Client(_) => "client",
            Error::Connect { .. } => "connection_failed",
            Error::Timeout { .. } => "timeout",
            Error::Request { .. } => "request_failed",
            Error::Api { error, .. } => &error.code,
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::VersionExists { .. } => "version_exists",
            Error::Import { .. } => "import_failed",
            Error::FolderNotEmpty { .. } => "folder_not_empty",
            Error::FileExists { .. } => "file_exists",
            Error::Usage { .. } => "usage",
            Error::Runtime(_) => "runtime_failed",
            Error::Store(_) => "state_failed",
            Error::ReleaseNotFound { .. } => "release_not_found",
            Error::ReleaseExists { .. } => "release_exists",
            Error::Values { .. } => "invalid_values",
            Error::Render { .. } => "render_failed",
            Error::DigestMismatch { .. } => "digest_mismatch",
            Error::NoRevision { .. } => "revision_not_found",
            Error::RolledBack { .. } => "rolled_back",
            Error::AgentConfig { .. } => "invalid_agent_config",
            Error::NoDataDir => "no_data_dir",
            Error::Busy { .. } => "agent_busy",
        }
    }

    /// The problems to list, one `error: PATH: MESSAGE` line each: a local
    /// validation's, or the `{path, message}` details of a registry error (422).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            Error::Template {
                error: souk_schema::Error::Invalid(p),
                ..
            } => p.0.clone(),
            Error::Api { error, .. } => error.details.clone(),
            Error::Values { problems } => problems
                .iter()
                .map(|p| Problem::new(format!("params.{}", p.name), p.message.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// What the user can do about it.
    pub fn hints(&self) -> Vec<String> {
        use souk_schema::Error as S;
        match self {
            Error::NotAFolder { path } => vec![format!(
                "`souk package` packs a folder that holds a `souk.yaml`; `souk publish {}` uploads a `.tgz` as it is",
                path.display()
            )],
            Error::Template {
                error: S::NoManifest(_),
                ..
            } => vec![
                "a template folder holds its manifest `souk.yaml` at the root; `souk schema` prints the format's JSON Schema".into(),
            ],
            Error::Template {
                error: S::TooLarge(_),
                ..
            } => vec![
                "a package holds at most 20 MiB packed, 100 MiB unpacked and 1000 files; only `souk.yaml` and the files it references go in".into(),
            ],
            Error::Connect { .. } => vec![
                "is a registry running there? choose another with `--registry URL` or the `SOUK_REGISTRY` environment variable".into(),
            ],
            Error::Timeout { .. } => vec![
                "the registry may be overloaded or unreachable; try again, or check `--registry` / `SOUK_REGISTRY`".into(),
            ],
            Error::UnexpectedResponse { status, .. } if status.is_server_error() => vec![
                "the registry (or a proxy in front of it) failed: try again, and tell its operator if it goes on".into(),
            ],
            Error::UnexpectedResponse { .. } => vec![
                "is `--registry` (or `SOUK_REGISTRY`) the address of a souk registry, and is it as recent as this `souk`?".into(),
            ],
            Error::FileExists { .. } => vec![
                "choose another file with `-o FILE`, or pass `--force` to replace it".into(),
            ],
            Error::FolderNotEmpty { .. } => vec![
                "choose another folder with `-o DIR`, or pass `--force` to write into this one".into(),
            ],
            Error::VersionExists { .. } => vec![
                "a published version never changes: bump the version in `souk.yaml` and publish again".into(),
            ],
            Error::Runtime(_) => vec![
                "is the Docker Engine running and reachable? `docker info` tells (the agent uses `DOCKER_HOST` or the local socket)".into(),
            ],
            Error::ReleaseNotFound { .. } => vec!["`souk status` lists this site's releases".into()],
            Error::ReleaseExists { release } => vec![format!(
                "`souk upgrade {release}` upgrades it; `souk uninstall {release}` removes it"
            )],
            Error::Values { .. } => vec![
                "`souk info NS/NAME@VERSION` lists the template's parameters".into(),
            ],
            Error::DigestMismatch { .. } => vec![
                "the package was altered on the way or in the registry's store; tell the registry's operator".into(),
            ],
            Error::Busy { .. } => vec![
                "one process at a time installs and upgrades: wait for it, or stop the running `souk agent` (it applies subscriptions itself)".into(),
            ],
            Error::NoDataDir => vec![
                "`--data-dir DIR` (or `SOUK_AGENT_DIR`, or `data_dir` in the agent's configuration) names one".into(),
            ],
            Error::NoRevision { release, .. } => vec![format!("`souk history {release}` lists its revisions")],
            Error::RolledBack {
                release,
                restored: Some(_),
                ..
            } => vec![format!(
                "`souk history {release}` shows the failed revision and why; the previous one runs"
            )],
            Error::RolledBack { release, .. } => vec![format!(
                "`souk history {release}` shows why; `souk install NS/NAME --release {release}` tries again"
            )],
            Error::Api {
                status,
                authenticated,
                ..
            } => match status.as_u16() {
                401 if *authenticated => vec![
                    "the registry refused the token: check `--token` or the `SOUK_TOKEN` environment variable".into(),
                ],
                401 => vec![
                    "this needs a token: pass `--token TOKEN` or set the `SOUK_TOKEN` environment variable".into(),
                ],
                403 => vec![
                    "the token lacks the scope this needs: publishing and yanking in namespace NS need `publish:NS` (or `publish:*`); pass another with `--token` or `SOUK_TOKEN`".into(),
                ],
                413 => vec!["a package holds at most 20 MiB".into()],
                429 => vec!["the registry is rate limiting: wait a moment and try again".into()],
                404 if self.code() == "template_not_found" => vec![
                    "`souk search` finds templates; a private one needs a token with the `read` scope".into(),
                ],
                404 if self.code() == "version_not_found" => {
                    vec!["`souk info NS/NAME` lists a template's versions".into()]
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The error as `{"error": {code, message, details}}`, the API's shape, for
    /// `--output json`.
    pub fn to_json(&self) -> serde_json::Value {
        let details: Vec<serde_json::Value> = self
            .problems()
            .into_iter()
            .map(|p| serde_json::json!({"path": p.path, "message": p.message}))
            .collect();
        let mut error = serde_json::json!({
            "code": self.code(),
            "message": causes(self).join(": "),
            "details": details,
        });
        if let Error::Api { status, url, .. } | Error::UnexpectedResponse { status, url, .. } = self
        {
            error["status"] = status.as_u16().into();
            error["url"] = url.as_str().into();
        }
        let hints = self.hints();
        if !hints.is_empty() {
            error["hints"] = hints.into();
        }
        serde_json::json!({ "error": error })
    }
}

/// An error's message and then its causes, leaving out a cause whose text the
/// line before already holds.
pub fn causes(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut lines = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !lines.last().is_some_and(|last| last.contains(&text)) {
            lines.push(text);
        }
        source = cause.source();
    }
    lines
}

/// The innermost cause of an error chain: for a failed connection, the
/// operating system's reason rather than reqwest's wrappers.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn a_failed_first_install_does_not_say_a_previous_revision_runs() {
        let failed = |restored| Error::RolledBack {
            release: "wh".into(),
            failed: 1,
            restored,
            reason: "`web` not ready".into(),
        };
        let first = failed(None);
        assert_eq!(
            first.to_string(),
            "installing `wh` failed (revision 1); nothing of it runs: `web` not ready"
        );
        let hints = first.hints().join("\n");
        assert!(!hints.contains("previous"), "{hints}");
        assert!(hints.contains("--release wh` tries again"), "{hints}");
        let later = failed(Some(1));
        assert!(later.to_string().contains("rolled back"));
        assert!(later.hints().join("\n").contains("the previous one runs"));
    }
}
