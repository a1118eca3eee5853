//! Helpers for tests and benchmarks that run souk's real binaries as separate
//! processes: a registry server on a free port with its own data dir, and the
//! `souk` command line pointed at it.
//!
//! The binaries are found next to the test executable (`target/debug`), where
//! `cargo test --workspace` builds them before any test runs.

pub mod docker;

use std::collections::BTreeSet;
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The admin token every test registry is started with.
pub const ADMIN_TOKEN: &str = "souk_e2e_admin_token_0123456789abcdefghijklmn";

/// The path of one of the workspace's binaries (`souk`, `souk-registry`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    for dir in exe.ancestors().skip(1) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "binary `{name}` not found near {}; build it first: cargo build --workspace --bins",
        exe.display()
    );
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_path_buf()
}

/// A `souk-registry serve` process on a free loopback port.
pub struct Registry {
    child: Option<Child>,
    pub url: String,
    pub data_dir: PathBuf,
    /// Everything the server wrote to stderr so far.
    pub log: Arc<Mutex<String>>,
    _tmp: Option<tempfile::TempDir>,
    extra_args: Vec<String>,
    /// `SOUK_DATABASE_URL`; `None`: SQLite in the data dir.
    database_url: Option<String>,
}

impl Registry {
    /// Start a registry with a fresh data dir.
    pub fn start() -> Registry {
        Self::start_with(&[])
    }

    /// Start a registry with a fresh data dir and extra `serve` arguments.
    pub fn start_with(args: &[&str]) -> Registry {
        let tmp = tempfile::tempdir().expect("a temporary data dir");
        let mut r = Registry {
            child: None,
            url: String::new(),
            data_dir: tmp.path().join("data"),
            log: Arc::default(),
            _tmp: Some(tmp),
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            database_url: None,
        };
        r.spawn();
        r
    }

    /// Start a registry on the PostgreSQL database `url` with its packages in
    /// `data_dir`: a replica of any other registry started on the same two.
    pub fn start_on_postgres(url: &str, data_dir: &Path) -> Registry {
        let mut r = Registry {
            child: None,
            url: String::new(),
            data_dir: data_dir.to_path_buf(),
            log: Arc::default(),
            _tmp: None,
            extra_args: Vec::new(),
            database_url: Some(url.to_string()),
        };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(bin("souk-registry"));
        cmd.env_remove("SOUK_DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("SOUK_DATABASE_URL", url);
        }
        let mut child = cmd
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&self.data_dir)
            .args(&self.extra_args)
            .env("SOUK_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("SOUK_LOG", "info")
            .env_remove("SOUK_CONFIG")
            .env_remove("SOUK_STORE")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("souk-registry starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        self.url = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                panic!(
                    "souk-registry did not say it was listening; its log:\n{}",
                    self.log.lock().unwrap()
                )
            });
        self.child = Some(child);
    }

    /// The API base URL (`http://127.0.0.1:PORT/api/v1`).
    pub fn api(&self) -> String {
        format!("{}/api/v1", self.url)
    }

    /// Kill the server with SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start the server again on the same data dir (a new port).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Run the `souk` command line against this registry.
    pub fn souk(&self, args: &[&str]) -> Output {
        souk_with_env(
            args,
            &[("SOUK_REGISTRY", &self.url), ("SOUK_TOKEN", ADMIN_TOKEN)],
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Run the `souk` command line with the given environment (and `NO_COLOR`).
pub fn souk_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin("souk"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("SOUK_REGISTRY")
        .env_remove("SOUK_TOKEN")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("souk runs")
}

/// Write a minimal valid template folder and return it.
pub fn template_dir(parent: &Path, name: &str, version: &str, summary: &str) -> PathBuf {
    let dir = parent.join(format!("{}-{version}", name.replace('/', "-")));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("souk.yaml"), manifest(name, version, summary)).unwrap();
    dir
}

/// The manifest of a minimal valid one-component template.
pub fn manifest(name: &str, version: &str, summary: &str) -> String {
    format!(
        "apiVersion: souk/v1\nkind: Template\nname: {name}\nversion: {version}\ntitle: {name}\nsummary: {summary}\ncategory: iot\ntags: [e2e]\ncomponents:\n  - name: web\n    image: nginx:1.25.4\n    ports:\n      - {{name: http, port: 80, protocol: http}}\n"
    )
}

/// A minimal valid package, packed in memory.
pub fn package(name: &str, version: &str, summary: &str) -> Vec<u8> {
    let mut files = souk_schema::validate::Files::new();
    files.insert(
        "souk.yaml".into(),
        manifest(name, version, summary).into_bytes(),
    );
    souk_schema::package::write_tgz(&files).expect("packs")
}

/// Wait until `f` is true or the time is up.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

/// Report that a group of tests is skipped because `missing` is not on this
/// machine: one `SKIPPED` line per group and test binary, with the command
/// that installs it. It is written to the stderr handle, past the test
/// harness's capture (which takes `eprintln!`), so it shows in a plain
/// `cargo test` run among the results, without `--nocapture`. Under
/// `CI=true` a skip is a failure instead: this panics.
pub fn skip_group(group: &str, missing: &str, install: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{group} cannot run in CI: {missing} ({install})");
    }
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let first = SAID
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(group.to_string());
    if first {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {group}: {missing}; to run them: {install}"
        );
    }
}
