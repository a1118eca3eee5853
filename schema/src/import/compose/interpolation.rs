//! Compose's `${VAR}` interpolation: parameters where souk expands references, defaults elsewhere.

use super::environment::parse_env_file;
use super::Compose;
use crate::import::{escape, is_secret_name, new_param, param_name};
use crate::manifest::{ParamType, Parameter};

/// A piece of a string after Compose interpolation.
enum Piece {
    Text(String),
    Var {
        name: String,
        default: Option<String>,
        error: Option<String>,
    },
}

impl Compose<'_> {
    pub(super) fn read_dotenv(&mut self) {
        let Some(base) = &self.base else { return };
        let path = base.join(".env");
        if !path.is_file() {
            return;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            self.d
                .warn(".env", "cannot be read as text; its defaults are not used");
            return;
        };
        for (key, value, _) in parse_env_file(&text) {
            if let Some(v) = value {
                self.dotenv.insert(key, v);
            }
        }
    }

    /// Split `s` at Compose's `$VAR`, `${VAR…}` and `$$`.
    fn pieces(&mut self, s: &str, field: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            text.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(r) = after.strip_prefix('$') {
                text.push('$');
                rest = r;
            } else if let Some(inner_start) = after.strip_prefix('{') {
                let Some(end) = matching_brace(inner_start) else {
                    self.d
                        .warn(field, format!("`{s}` has an unclosed `${{`; kept as text"));
                    text.push('$');
                    rest = after;
                    continue;
                };
                let inner = &inner_start[..end];
                rest = &inner_start[end + 1..];
                let name_len = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_len);
                if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                    self.d.warn(
                        field,
                        format!("`${{{inner}}}` is not a Compose variable; kept as text"),
                    );
                    text.push_str("${");
                    text.push_str(inner);
                    text.push('}');
                    continue;
                }
                let (default, error) = if let Some(d) =
                    op.strip_prefix(":-").or(op.strip_prefix('-'))
                {
                    (Some(self.literal(d, field)), None)
                } else if let Some(e) = op.strip_prefix(":?").or(op.strip_prefix('?')) {
                    (None, Some(e.to_string()))
                } else if op.starts_with(":+") || op.starts_with('+') {
                    self.d.warn(
                        field,
                        format!("`${{{inner}}}` (a value only when `{name}` is set) has no souk equivalent; left empty"),
                    );
                    continue;
                } else if op.is_empty() {
                    (None, None)
                } else {
                    self.d.warn(
                        field,
                        format!("`${{{inner}}}` is not a Compose interpolation souk knows; kept as text"),
                    );
                    text.push_str("${");
                    text.push_str(inner);
                    text.push('}');
                    continue;
                };
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var {
                    name: name.to_string(),
                    default,
                    error,
                });
            } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                let len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var {
                    name: after[..len].to_string(),
                    default: None,
                    error: None,
                });
                rest = &after[len..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            out.push(Piece::Text(text));
        }
        out
    }

    /// `s` interpolated for a field that souk expands: variables become
    /// parameter references.
    pub(super) fn souk(&mut self, s: &str, field: &str) -> String {
        let mut out = String::new();
        for piece in self.pieces(s, field) {
            match piece {
                Piece::Text(t) => out.push_str(&escape(&t)),
                Piece::Var {
                    name,
                    default,
                    error,
                } => {
                    let param = self.var_param(&name, default, error, field);
                    out.push_str(&format!("${{params.{param}}}"));
                }
            }
        }
        out
    }

    /// `s` interpolated for a field that souk does not expand: variables take
    /// their default.
    pub(super) fn literal(&mut self, s: &str, field: &str) -> String {
        let mut out = String::new();
        for piece in self.pieces(s, field) {
            match piece {
                Piece::Text(t) => out.push_str(&t),
                Piece::Var { name, default, .. } => {
                    // A secret from `.env` never reaches the template.
                    let secret = is_secret_name(&name);
                    let value = default
                        .or_else(|| (!secret).then(|| self.dotenv.get(&name).cloned()).flatten())
                        .unwrap_or_default();
                    let used = if secret {
                        "its default from the Compose file is used".to_string()
                    } else {
                        format!("`{value}` is used")
                    };
                    self.d.warn(
                        field,
                        format!("`${name}` cannot be a parameter here (souk expands parameters in env, command, args and config files only); {used}"),
                    );
                    out.push_str(&value);
                }
            }
        }
        out
    }

    /// The parameter standing for a Compose variable, added on first use.
    pub(super) fn var_param(
        &mut self,
        var: &str,
        default: Option<String>,
        error: Option<String>,
        field: &str,
    ) -> String {
        if let Some((param, first)) = self.vars.get(var) {
            if default.is_some() && default != *first {
                self.d.warn(
                    field,
                    format!("`{var}` has another default elsewhere; parameter `{param}` keeps the first"),
                );
            }
            return param.clone();
        }
        let secret = is_secret_name(var);
        let default = match (default.clone(), self.dotenv.get(var)) {
            (Some(d), _) => Some(d),
            (None, Some(_)) if secret => {
                self.d.warn(
                    ".env",
                    format!("the value of `{var}` is not carried over: it is a secret, asked at install"),
                );
                None
            }
            (None, d) => d.cloned(),
        };
        let (kind, value) = match &default {
            _ if secret => (
                ParamType::Secret,
                default.clone().map(serde_json::Value::String),
            ),
            Some(d) if is_integer(d) => (
                ParamType::Integer,
                d.parse::<i64>().ok().map(serde_json::Value::from),
            ),
            Some(d) if d == "true" || d == "false" => (
                ParamType::Boolean,
                Some(serde_json::Value::Bool(d == "true")),
            ),
            Some(d) => (
                ParamType::String,
                Some(serde_json::Value::String(d.clone())),
            ),
            None => (ParamType::String, None),
        };
        let description = match error.filter(|e| !e.trim().is_empty()) {
            Some(e) => e,
            None => format!("`${{{var}}}` of the Compose file"),
        };
        let param = self.d.add_param(Parameter {
            required: value.is_none(),
            default: value,
            ..new_param(param_name(var), kind, var, description)
        });
        self.vars.insert(var.to_string(), (param.clone(), default));
        param
    }
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s.parse::<i64>().is_ok()
}

/// The end of a `${…}` body (the index of its `}`), nested braces counted.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert!(is_integer("0") && is_integer("42") && is_integer("-7"));
        assert!(!is_integer("007") && !is_integer("1.5") && !is_integer("") && !is_integer("-"));
    }
}
