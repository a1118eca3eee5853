//! The registry's modules are layered, and arrows point down only:
//! `startup`/`routes` → `api`, `pages` → `domain` → the parts (`state`,
//! `cache`, `db`, `store`, `search`, `events`, `metrics`, `auth`, `config`,
//! `error`). A part never reaches up into the domain or the HTTP layer, and
//! the domain never reaches up into the HTTP layer (ARCHITECTURE.md).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules of `registry/src`, from the top layer down.
const HTTP: [&str; 5] = ["startup", "routes", "api", "pages", "demo"];
const DOMAIN: &str = "domain";

/// `crate::X` names used in code (comments left out) of every `.rs` under `dir`.
fn uses(dir: &Path) -> Vec<(PathBuf, BTreeSet<String>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut names = BTreeSet::new();
                for line in text.lines() {
                    let code = line.split("//").next().unwrap_or("");
                    for (i, _) in code.match_indices("crate::") {
                        let rest = &code[i + "crate::".len()..];
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        names.insert(name);
                    }
                }
                out.push((path, names));
            }
        }
    }
    out
}

fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every use of a module above the one that uses it, under `src`.
fn upward_arrows(src: &Path) -> Vec<String> {
    let mut wrong = Vec::new();
    for (file, names) in uses(src) {
        let module = top_module(src, &file);
        let forbidden: Vec<&str> = if HTTP.contains(&module.as_str()) || module == "main" {
            Vec::new()
        } else if module == DOMAIN {
            HTTP.to_vec()
        } else {
            HTTP.iter().copied().chain([DOMAIN]).collect()
        };
        for name in names.iter().filter(|n| forbidden.contains(&n.as_str())) {
            wrong.push(format!(
                "{} ({module}) uses crate::{name}",
                file.strip_prefix(src).unwrap().display()
            ));
        }
    }
    wrong.sort();
    wrong
}

#[test]
fn arrows_point_down_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let wrong = upward_arrows(&src);
    assert!(wrong.is_empty(), "upward arrows:\n{}", wrong.join("\n"));
}

#[test]
fn an_upward_arrow_is_found_and_a_comment_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("domain/a.rs", "use crate::api::views::X; // crate::pages\n");
    write(
        "db/b.rs",
        "fn f(s: &crate::state::AppState) { crate::domain::g() }\n",
    );
    write("search/c.rs", "//! see crate::domain::index\n");
    write("api/d.rs", "use crate::domain::catalog;\n");
    assert_eq!(
        upward_arrows(dir.path()),
        [
            "db/b.rs (db) uses crate::domain",
            "domain/a.rs (domain) uses crate::api"
        ]
    );
}
