//! A service's `environment` and `env_file`, and the env file format.

use super::{key_text, scalar, Compose};
use crate::import::{escape, is_secret_name};
use crate::manifest::Env;
use serde_yaml_ng::Value;

impl Compose<'_> {
    pub(super) fn environment(&mut self, v: &Value, field: &str, env: &mut Env) {
        let mut set = |this: &mut Self, raw_key: &str, value: Option<&Value>, field: &str| {
            let key = this.d.env_name(raw_key, field);
            let value = match value {
                Some(Value::String(s)) => this.souk(s, field),
                Some(Value::Null) | None => {
                    let param = this.var_param(raw_key, None, None, field);
                    format!("${{params.{param}}}")
                }
                Some(other) => match scalar(other) {
                    Some(s) => s,
                    None => {
                        this.d
                            .warn(field, "expected a string, number or boolean; ignored");
                        return;
                    }
                },
            };
            env.insert(key, value);
        };
        match v {
            Value::Mapping(m) => {
                for (k, val) in m {
                    let k = key_text(k);
                    set(self, &k, Some(val), &format!("{field}.{k}"));
                }
            }
            Value::Sequence(list) => {
                for (i, item) in list.iter().enumerate() {
                    let f = format!("{field}[{i}]");
                    let Some(s) = scalar(item) else {
                        self.d.warn(&f, "expected `NAME=VALUE`; ignored");
                        continue;
                    };
                    match s.split_once('=') {
                        Some((k, val)) => set(self, k, Some(&Value::String(val.to_string())), &f),
                        None => set(self, &s, None, &f),
                    }
                }
            }
            _ => self.d.warn(
                field,
                "expected a mapping or a list of `NAME=VALUE`; ignored",
            ),
        }
    }

    pub(super) fn env_files(&mut self, v: &Value, field: &str, env: &mut Env) {
        let entries: Vec<(String, bool)> = match v {
            Value::Sequence(list) => list
                .iter()
                .filter_map(|e| match e {
                    Value::Mapping(m) => Some((
                        m.get("path").and_then(scalar).unwrap_or_default(),
                        m.get("required").and_then(Value::as_bool).unwrap_or(true),
                    )),
                    other => scalar(other).map(|s| (s, true)),
                })
                .collect(),
            other => scalar(other).map(|s| (s, true)).into_iter().collect(),
        };
        for (i, (path, required)) in entries.into_iter().enumerate() {
            let f = if v.is_sequence() {
                format!("{field}[{i}]")
            } else {
                field.to_string()
            };
            let path = self.literal(&path, &f);
            let bytes = match self.project_file(&path, &f, required) {
                Some((_, bytes)) => bytes,
                None => continue,
            };
            let Ok(text) = String::from_utf8(bytes) else {
                self.d.warn(
                    f,
                    format!("`{path}` is not text; its variables are not carried over"),
                );
                continue;
            };
            for (key, value, literal) in parse_env_file(&text) {
                let vf = format!("{f}:{key}");
                let name = self.d.env_name(&key, &vf);
                let value = match value {
                    _ if is_secret_name(&key) => {
                        let param = self.var_param(&key, None, None, &vf);
                        self.d.warn(
                            vf,
                            format!("the value of `{key}` in `{path}` is not carried over: it is a secret, asked at install (parameter `{param}`)"),
                        );
                        format!("${{params.{param}}}")
                    }
                    None => {
                        let param = self.var_param(&key, None, None, &vf);
                        format!("${{params.{param}}}")
                    }
                    Some(v) if literal => escape(&v),
                    Some(v) => self.souk(&v, &vf),
                };
                env.insert(name, value);
            }
        }
    }
}

/// The variables of an env file: `(name, value, single-quoted)`; a value of
/// `None` means "taken from the environment" (a line with no `=`).
pub(super) fn parse_env_file(text: &str) -> Vec<(String, Option<String>, bool)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, raw)) = line.split_once('=') else {
            out.push((line.to_string(), None, false));
            continue;
        };
        let key = key.trim().to_string();
        let raw = raw.trim_start();
        let (value, literal) = if let Some(q) = raw.strip_prefix('\'') {
            (q.split_once('\'').map_or(q, |(v, _)| v).to_string(), true)
        } else if let Some(q) = raw.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => v.push('\n'),
                        Some('t') => v.push('\t'),
                        Some(c) => v.push(c),
                        None => {}
                    },
                    c => v.push(c),
                }
            }
            (v, false)
        } else {
            let v = match raw.find(" #") {
                Some(i) => &raw[..i],
                None => raw,
            };
            (v.trim_end().to_string(), false)
        };
        out.push((key, Some(value), literal));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files() {
        let parsed = parse_env_file(
            "# comment\nA=1\nexport B = two words # note\nC='${lit}'\nD=\"x\\ny\"\nE\n\n",
        );
        let want = [
            ("A", Some("1"), false),
            ("B", Some("two words"), false),
            ("C", Some("${lit}"), true),
            ("D", Some("x\ny"), false),
            ("E", None, false),
        ];
        assert_eq!(parsed.len(), want.len());
        for ((k, v, l), (wk, wv, wl)) in parsed.iter().zip(want) {
            assert_eq!((k.as_str(), v.as_deref(), *l), (wk, wv, wl));
        }
    }
}
