//! Fixtures for tests on the real Docker Engine: images built from scratch
//! with Debian's static busybox, pushed to a local OCI registry (Debian's
//! `docker-registry`, CNCF distribution) on a free loopback port, and removed
//! again, with every container, volume and network a test's releases made.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether Docker tests can run. In CI (`CI=true`) a missing engine or
/// missing packages fail the test loudly; locally the test is skipped with
/// a message.
pub fn docker_available() -> bool {
    let engine = Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let tools = Path::new("/bin/busybox").is_file() && which("docker-registry");
    if engine && tools {
        return true;
    }
    let why = if engine {
        "`busybox-static` and `docker-registry` are not installed (apt-get install -y busybox-static docker-registry)"
    } else {
        "`docker info` fails: no Docker Engine"
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("Docker tests cannot run in CI: {why}");
    }
    eprintln!("skipped: {why}");
    false
}

fn which(bin: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
}

/// Run `docker ARGS`; its stdout, or a panic with its stderr.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Held while images are built, pushed or removed: the legacy builder shares
/// cached layers between identical builds, and removing one test's image while
/// another's build uses them as cache breaks that build.
static IMAGES: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn images_lock() -> std::sync::MutexGuard<'static, ()> {
    IMAGES.lock().unwrap_or_else(|p| p.into_inner())
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `docker-registry serve` on a free loopback port with a temporary store,
/// holding the test images; everything removed on drop.
pub struct ImageRegistry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
    images: Vec<String>,
    _dir: tempfile::TempDir,
}

/// How a test image answers: its page and whether `/healthz` exists.
pub struct ImageSpec<'a> {
    pub tag: &'a str,
    pub page: &'a str,
    pub healthy: bool,
}

impl ImageRegistry {
    pub fn start() -> ImageRegistry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let up = crate::wait_until(Duration::from_secs(20), || {
            http_get(&format!("http://{host}/v2/")).is_some()
        });
        assert!(up, "docker-registry did not answer on {host}");
        ImageRegistry {
            child,
            host,
            images: Vec::new(),
            _dir: dir,
        }
    }

    /// Build `REPO:TAG` from scratch (busybox + a page served by httpd on
    /// 8080), push it, and remove it locally so that the agent pulls it.
    pub fn build(&mut self, repo: &str, spec: ImageSpec<'_>) -> String {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::copy("/bin/busybox", ctx.path().join("busybox")).unwrap();
        let www = ctx.path().join("www");
        std::fs::create_dir(&www).unwrap();
        std::fs::write(www.join("index.html"), spec.page).unwrap();
        if spec.healthy {
            std::fs::write(www.join("healthz"), "ok").unwrap();
        }
        std::fs::write(
            ctx.path().join("Dockerfile"),
            "FROM scratch\nLABEL souk.e2e=1\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
        )
        .unwrap();
        let image = format!("{}/{repo}:{}", self.host, spec.tag);
        let _guard = images_lock();
        docker(&["build", "-q", "-t", &image, ctx.path().to_str().unwrap()]);
        docker(&["push", "-q", &image]);
        docker(&["rmi", &image]);
        self.images.push(image.clone());
        image
    }

    /// Stop serving (images stay in the store) — or serve again.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ImageRegistry {
    fn drop(&mut self) {
        self.kill();
        let _guard = images_lock();
        for image in &self.images {
            let _ = Command::new("docker")
                .args(["rmi", "-f", image])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        // Layers left untagged (an image that was still in use) go too.
        let _ = Command::new("docker")
            .args(["image", "prune", "-f", "--filter", "label=souk.e2e=1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Removes on drop every container, volume and network of a release.
pub struct ReleaseCleanup(pub String);

impl Drop for ReleaseCleanup {
    fn drop(&mut self) {
        let filter = format!("label=souk.release={}", self.0);
        let quiet = |args: &[&str]| {
            Command::new("docker")
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        };
        for id in quiet(&["ps", "-aq", "--filter", &filter]).split_whitespace() {
            quiet(&["rm", "-f", id]);
        }
        for v in quiet(&["volume", "ls", "-q", "--filter", &filter]).split_whitespace() {
            quiet(&["volume", "rm", "-f", v]);
        }
        quiet(&["network", "rm", &format!("souk-{}", self.0)]);
    }
}

/// A plain `GET`: the body when the answer is 200.
pub fn http_get(url: &str) -> Option<String> {
    let out = Command::new("curl")
        .args(["-sf", "--max-time", "3", url])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A folder of a test template version.
pub fn write_template(parent: &Path, version: &str, yaml: &str) -> PathBuf {
    let dir = parent.join(version);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("souk.yaml"), yaml).unwrap();
    dir
}
