//! The `souk-registry` binary: `migrate`, `serve` and its first lines, graceful
//! stop on SIGTERM, and configuration errors.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn registry() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_souk-registry"));
    for var in [
        "SOUK_LISTEN",
        "SOUK_DATA_DIR",
        "SOUK_DATABASE_URL",
        "SOUK_STORE",
        "SOUK_ADMIN_TOKEN",
        "SOUK_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("SOUK_LOG", "warn");
    cmd
}

async fn migrate_applies_the_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::databases::database_url(dir.path());
    let run = || {
        let mut cmd = registry();
        if let Some(url) = &database {
            cmd.env("SOUK_DATABASE_URL", url);
        }
        let out = cmd
            .args(["migrate", "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let backend = if database.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let folder = format!("{}/../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let migrations = std::fs::read_dir(folder).unwrap().count();
    assert!(run().contains(&format!("applied {migrations} migration(s)")));
    assert!(run().contains("applied 0 migration(s)"));
    assert_eq!(dir.path().join("souk.db").is_file(), database.is_none());
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| {
        let folder = format!("{}/../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

#[test]
fn serve_shows_the_admin_token_once_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = registry()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let token_line = lines.next().unwrap().unwrap();
    let token = token_line
        .strip_prefix("admin token (shown once, store it now): ")
        .unwrap_or_else(|| panic!("unexpected first line {token_line:?}"));
    assert!(token.starts_with("souk_") && token.len() == 45, "{token}");
    let listening = lines.next().unwrap().unwrap();
    let addr = listening
        .strip_prefix("souk-registry listening on http://")
        .unwrap_or_else(|| panic!("unexpected line {listening:?}"))
        .to_string();

    // It serves: a plain HTTP/1.0 request for the health check.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /api/v1/health HTTP/1.0\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    assert!(answer.ends_with(r#"{"status":"ok"}"#), "{answer}");

    // `kill` as the shell's builtin: no extra package needed.
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");

    // A second start finds the admin token: no new one is shown.
    let out = registry()
        .args(["serve", "--listen", "256.0.0.1:1", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert!(!stderr.contains("admin token"), "{stderr}");
    assert!(stderr.contains("256.0.0.1:1"), "{stderr}");
}

#[test]
fn bad_database_urls_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |url: &str| {
        let out = registry()
            .args(["serve", "--data-dir"])
            .arg(dir.path())
            .env("SOUK_DATABASE_URL", url)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let stderr = serve("mysql://souk:hunter2@db/souk");
    assert!(
        stderr.contains("`mysql` databases are not supported"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    let stderr = serve("postgres://souk:hunter2@127.0.0.1:1/souk");
    assert!(stderr.contains("connecting to PostgreSQL"), "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

crate::databases::on_both_databases!(migrate_applies_the_migrations_once);
