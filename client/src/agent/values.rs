//! Parameter values: `--set k=v` and `--values FILE`, checked against the
//! template's parameters, with defaults applied. A secret's value never
//! appears in a message, a log line or a report: [`Values::redacted`] is what
//! may be shown.

use serde_json::Value;
use souk_schema::manifest::{ParamType, Parameter};
use souk_schema::validate::check_param_value;
use std::collections::BTreeMap;

/// What the customer answered, by parameter name, before checking.
pub type Answers = BTreeMap<String, Value>;

/// Parameter values that passed the template's checks, defaults filled in.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Values(pub BTreeMap<String, Value>);

/// Why values were refused; names the parameter, never a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueProblem {
    pub name: String,
    pub message: String,
}

impl Values {
    /// The value as text, as interpolation inserts it.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// The values with every secret replaced by `"********"`.
    pub fn redacted(&self, params: &[Parameter]) -> BTreeMap<String, Value> {
        self.0
            .iter()
            .map(|(k, v)| {
                let secret = params
                    .iter()
                    .any(|p| p.name == *k && p.kind == ParamType::Secret);
                let shown = if secret {
                    Value::String("********".into())
                } else {
                    v.clone()
                };
                (k.clone(), shown)
            })
            .collect()
    }

    /// The secrets' values, so a caller can make sure none leaks into a text.
    pub fn secrets<'a>(&'a self, params: &'a [Parameter]) -> impl Iterator<Item = String> + 'a {
        params
            .iter()
            .filter(|p| p.kind == ParamType::Secret)
            .filter_map(|p| self.text(&p.name))
            .filter(|s| !s.is_empty())
    }
}

/// Parse `k=v` from `--set`: the value is taken as the parameter's type asks
/// (`--set port=8080` is an integer when `port` is one).
pub fn parse_set(item: &str, params: &[Parameter]) -> Result<(String, Value), ValueProblem> {
    let Some((name, raw)) = item.split_once('=') else {
        return Err(ValueProblem {
            name: item.to_string(),
            message: "expected `NAME=VALUE`".into(),
        });
    };
    let name = name.trim().to_string();
    let kind = params.iter().find(|p| p.name == name).map(|p| p.kind);
    let value = match kind {
        Some(ParamType::Integer) => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
        Some(ParamType::Boolean) => match raw.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_string()),
        },
        _ => Value::String(raw.to_string()),
    };
    Ok((name, value))
}

/// Read a values file (YAML or JSON): a mapping of parameter names to values.
pub fn parse_values_file(text: &str) -> Result<Answers, String> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    match value {
        Value::Object(map) => Ok(map.into_iter().collect()),
        Value::Null => Ok(Answers::new()),
        _ => Err("expected a mapping of parameter names to values".into()),
    }
}

/// Check `answers` against `params`: unknown names, types, patterns, bounds,
/// options, required ones; fill in defaults. Every problem is returned.
pub fn resolve(params: &[Parameter], answers: &Answers) -> Result<Values, Vec<ValueProblem>> {
    let mut problems = Vec::new();
    for name in answers.keys() {
        if !params.iter().any(|p| p.name == *name) {
            let known: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            problems.push(ValueProblem {
                name: name.clone(),
                message: if known.is_empty() {
                    "the template has no parameters".into()
                } else {
                    format!("no such parameter (the template has: {})", known.join(", "))
                },
            });
        }
    }
    let mut values = BTreeMap::new();
    for p in params {
        let value = answers.get(&p.name).or(p.default.as_ref());
        match value {
            Some(v) => match check_param_value(p, v, None) {
                Ok(()) => {
                    values.insert(p.name.clone(), v.clone());
                }
                // A secret of the wrong type: the message would quote it.
                Err(_) if p.kind == ParamType::Secret && !v.is_string() => {
                    problems.push(ValueProblem {
                        name: p.name.clone(),
                        message: "expected a string (secret)".into(),
                    })
                }
                Err(message) => problems.push(ValueProblem {
                    name: p.name.clone(),
                    message,
                }),
            },
            None if p.required => problems.push(ValueProblem {
                name: p.name.clone(),
                message: "is required: pass `--set NAME=VALUE` or put it in `--values FILE`".into(),
            }),
            None => {}
        }
    }
    if problems.is_empty() {
        Ok(Values(values))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(name: &str, kind: ParamType) -> Parameter {
        serde_json::from_value(json!({"name": name, "type": kind.as_str()})).unwrap()
    }

    fn params() -> Vec<Parameter> {
        let mut port = param("port", ParamType::Integer);
        port.min = Some(1);
        port.default = Some(json!(8080));
        let mut pw = param("password", ParamType::Secret);
        pw.required = true;
        pw.pattern = Some("^.{8,}$".into());
        vec![port, pw, param("debug", ParamType::Boolean)]
    }

    fn check(sets: &[&str], expected: Result<Value, &[&str]>) {
        let params = params();
        let answers: Answers = sets
            .iter()
            .map(|s| parse_set(s, &params).unwrap())
            .collect();
        match (resolve(&params, &answers), expected) {
            (Ok(got), Ok(want)) => assert_eq!(serde_json::to_value(&got.0).unwrap(), want),
            (Err(got), Err(want)) => {
                let names: Vec<&str> = got.iter().map(|p| p.name.as_str()).collect();
                assert_eq!(names, want, "{got:?}");
                for p in &got {
                    assert!(!p.message.contains("short"), "a secret leaked: {p:?}");
                }
            }
            (got, want) => panic!("{sets:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn values_table() {
        check(
            &["password=longenough"],
            Ok(json!({"password": "longenough", "port": 8080})),
        );
        check(
            &["password=longenough", "port=9000", "debug=true"],
            Ok(json!({"debug": true, "password": "longenough", "port": 9000})),
        );
        check(&[], Err(&["password"]));
        check(&["password=short"], Err(&["password"]));
        check(&["password=longenough", "port=0"], Err(&["port"]));
        check(&["password=longenough", "port=abc"], Err(&["port"]));
        check(&["password=longenough", "nope=1"], Err(&["nope"]));
    }

    #[test]
    fn secrets_are_redacted() {
        let params = params();
        let values = Values(
            [("password".to_string(), json!("hunter22!"))]
                .into_iter()
                .collect(),
        );
        let shown = serde_json::to_string(&values.redacted(&params)).unwrap();
        assert!(!shown.contains("hunter22"), "{shown}");
        assert_eq!(values.secrets(&params).collect::<Vec<_>>(), ["hunter22!"]);
    }

    #[test]
    fn a_values_file_is_a_mapping() {
        let a = parse_values_file("port: 1\npassword: abcdefgh\n").unwrap();
        assert_eq!(a["port"], json!(1));
        assert!(parse_values_file("- 1").is_err());
    }
}
