//! Integration tests of the `souk` binary: the commands that need no registry,
//! and what happens when the registry cannot be reached. (Tests against a real
//! registry live in the workspace's `tests/`.)

mod export;
mod import;
mod lint;
mod package;
mod publish;
mod schema;
mod site;
mod usage;

use std::path::Path;
use std::process::Command;

/// A template with a config file, an init file and a readme; valid.
pub const GOOD: &str = r#"apiVersion: souk/v1
kind: Template
name: acme/shop
version: 1.0.0
title: Shop
summary: A small web shop with its database.
category: other
tags: [retail]
readme: README.md
parameters:
  - name: admin_password
    type: secret
    required: true
components:
  - name: db
    image: mysql:8.0.36
    stateful: true
    env:
      MYSQL_ROOT_PASSWORD: ${params.admin_password}
    ports:
      - {name: mysql, port: 3306}
    init:
      - name: schema
        command: [sh, -c, "mysql < /souk/files/files/schema.sql"]
        files: [files/schema.sql]
  - name: web
    image: registry.example.com/acme/shop:1.0.0
    dependsOn: [db]
    env:
      DB_HOST: ${components.db.host}
    ports:
      - {name: http, port: 8080, protocol: http}
    configFiles:
      - {path: /etc/shop/shop.conf, source: files/shop.conf}
"#;

/// Write the template folder `dir` with `manifest` and the files GOOD references.
pub fn write_template(dir: &Path, manifest: &str) {
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(dir.join("souk.yaml"), manifest).unwrap();
    std::fs::write(dir.join("README.md"), "# Shop\n").unwrap();
    std::fs::write(
        dir.join("files/schema.sql"),
        "CREATE TABLE item (id INT);\n",
    )
    .unwrap();
    std::fs::write(dir.join("files/shop.conf"), "db = ${components.db.host}\n").unwrap();
}

/// A finished `souk` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code and both streams, `replace`d (temporary paths → stable names),
    /// for snapshots.
    pub fn transcript(&self, replace: &[(&str, &str)]) -> String {
        let mut text = format!(
            "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        );
        for (from, to) in replace {
            text = text.replace(from, to);
        }
        text
    }
}

/// Run `souk args…` in `cwd`, without the caller's souk environment, without colours.
pub fn souk(cwd: &Path, args: &[&str]) -> Run {
    souk_with_env(cwd, args, &[])
}

/// [`souk`] with these environment variables set.
pub fn souk_with_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_souk"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SOUK_REGISTRY")
        .env_remove("SOUK_TOKEN")
        .env_remove("COLUMNS")
        .env_remove("SOUK_AGENT_DIR")
        .env_remove("XDG_DATA_HOME")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run souk");
    Run {
        code: output.status.code().expect("souk exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}
