//! The site's read-only commands: where the agent's state is, and that
//! looking at it never creates it.

use crate::souk_with_env;
use std::path::Path;

#[test]
fn reading_a_site_creates_no_state_and_never_uses_the_working_directory() {
    let cwd = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let named = home.path().join("named");
    let env = [("HOME", home.path().to_str().unwrap())];
    // As root the default is `/var/lib/souk`, which may hold this machine's releases.
    let system = Path::new("/var/lib/souk");
    let system_existed = system.exists();
    for extra in [&[][..], &["--data-dir", named.to_str().unwrap()][..]] {
        let args = [&["--output", "json", "status"][..], extra].concat();
        let run = souk_with_env(cwd.path(), &args, &env);
        assert_eq!(run.code, 0, "{run:?}");
        if !extra.is_empty() {
            assert_eq!(run.stdout.trim(), "[]", "{run:?}");
        }
        let args = [&["history", "no-such-release"][..], extra].concat();
        let run = souk_with_env(cwd.path(), &args, &env);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains("`no-such-release`"), "{run:?}");
    }
    let left = |dir: &Path| -> Vec<_> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    };
    assert_eq!(left(cwd.path()), Vec::<std::ffi::OsString>::new());
    assert_eq!(left(home.path()), Vec::<std::ffi::OsString>::new());
    assert_eq!(system.exists(), system_existed);
}

#[test]
fn the_agent_writes_no_colour_when_its_log_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agent.toml");
    // A registry that is not there: the agent logs a warning (coloured on a terminal).
    std::fs::write(
        &config,
        format!(
            "registry = \"http://127.0.0.1:9\"\nagent_id = \"t\"\ndata_dir = \"{}\"\n",
            dir.path().join("state").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_souk"))
        .args([
            "agent",
            "--config",
            config.to_str().unwrap(),
            "--exit-after",
            "1",
        ])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .env("SOUK_LOG", "info")
        .output()
        .unwrap();
    let log = String::from_utf8(out.stderr).unwrap();
    assert!(log.contains("registry unreachable"), "{log}");
    assert!(!log.contains('\x1b'), "{log:?}");
}
