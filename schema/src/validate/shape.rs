//! The shape check: a manifest's document walked against the JSON Schema of
//! format v1 (the one `schemars` derives from [`Manifest`]), so that every unknown
//! field, wrong type and missing field is reported at once, in document order,
//! each with its path, where serde stops at the first. Unknown fields get a
//! "did you mean" when a known name is close.
//!
//! The walk also returns the document with the offending fields removed, so that
//! validation can go on with what is well-formed.

use crate::manifest::Manifest;
use crate::Problems;
use serde_json::{Map, Value as Schema};
use serde_yaml_ng::Value;
use std::sync::OnceLock;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(Manifest)).expect("a schema always serialises")
    })
}

/// Check `doc` against the manifest's shape: every problem, and the document with
/// the fields in error removed (`None` when the document's top is not a mapping).
pub(crate) fn check(mut doc: Value) -> (Problems, Option<Value>) {
    let mut walk = Walk {
        root: schema(),
        problems: Problems::default(),
    };
    let keep = walk.node(&mut doc, walk.root, &mut String::new());
    (walk.problems, keep.then_some(doc))
}

struct Walk {
    root: &'static Schema,
    problems: Problems,
}

impl Walk {
    /// Resolve `$ref`s to the definition they name.
    fn deref(&self, mut s: &'static Schema) -> (&'static Schema, Option<&'static str>) {
        let mut name = None;
        while let Some(r) = s.get("$ref").and_then(Schema::as_str) {
            let def = r.rsplit('/').next().unwrap_or(r);
            name = Some(def);
            s = &self.root["$defs"][def];
        }
        (s, name)
    }

    /// Walk one node; `false` when it is wrong as a whole (and should be removed).
    fn node(&mut self, v: &mut Value, s: &'static Schema, path: &mut String) -> bool {
        let (s, def) = self.deref(s);
        if s == &Schema::Bool(true) {
            return true;
        }
        let v = strip_tags(v);
        if let Some(branches) = s.get("anyOf").and_then(Schema::as_array) {
            return self.any_of(v, branches, def, path);
        }
        if let Some(types) = s.get("type") {
            let types: Vec<&str> = match types {
                Schema::String(t) => vec![t.as_str()],
                Schema::Array(ts) => ts.iter().filter_map(Schema::as_str).collect(),
                _ => vec![],
            };
            if !types.iter().any(|t| has_type(v, t, s)) {
                let expected = expected(&types, s);
                self.problems.push(
                    path.clone(),
                    format!("invalid type: {}, expected {expected}", describe(v)),
                );
                return false;
            }
        }
        if let Some(options) = s.get("enum").and_then(Schema::as_array) {
            let names: Vec<&str> = options.iter().filter_map(Schema::as_str).collect();
            if let Value::String(given) = v {
                if !names.contains(&given.as_str()) {
                    let message = format!("unknown variant `{given}`, {}", one_of(&names, given));
                    self.problems.push(path.clone(), message);
                    return false;
                }
            }
        }
        match v {
            Value::Mapping(map) => self.mapping(map, s, path),
            Value::Sequence(items) => {
                if let Some(item) = s.get("items") {
                    let mut i = 0;
                    items.retain_mut(|x| {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        i += 1;
                        let keep = self.node(x, item, path);
                        path.truncate(len);
                        keep
                    });
                }
            }
            _ => {}
        }
        true
    }

    fn mapping(&mut self, map: &mut serde_yaml_ng::Mapping, s: &'static Schema, path: &mut String) {
        static EMPTY: OnceLock<Map<String, Schema>> = OnceLock::new();
        let props = s
            .get("properties")
            .and_then(Schema::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        let extra = s.get("additionalProperties");
        let mut removed = Vec::new();
        map.retain(|key, value| {
            let len = path.len();
            let name = match key {
                Value::String(k) => k.clone(),
                other => {
                    self.problems.push(
                        path.clone(),
                        format!(
                            "invalid type: {} as a key, expected a string",
                            describe(other)
                        ),
                    );
                    return false;
                }
            };
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&name);
            let keep = match (props.get(&name), extra) {
                (Some(field), _) => self.node(value, field, path),
                (None, Some(Schema::Bool(false))) => {
                    let known: Vec<&str> = props.keys().map(String::as_str).collect();
                    self.problems.push(
                        path.clone(),
                        format!("unknown field `{name}`, {}", one_of(&known, &name)),
                    );
                    false
                }
                (None, Some(values)) if values.is_object() => self.node(value, values, path),
                (None, _) => true,
            };
            path.truncate(len);
            if !keep {
                removed.push(name);
            }
            keep
        });
        for required in s
            .get("required")
            .and_then(Schema::as_array)
            .into_iter()
            .flatten()
            .filter_map(Schema::as_str)
        {
            let present = map.contains_key(required);
            // a field that is there but wrong was reported already
            if !present && !removed.iter().any(|r| r == required) {
                self.problems
                    .push(path.clone(), format!("missing field `{required}`"));
            }
        }
    }

    fn any_of(
        &mut self,
        v: &mut Value,
        branches: &'static [Schema],
        def: Option<&str>,
        path: &mut String,
    ) -> bool {
        let null = |b: &Schema| b.get("type").and_then(Schema::as_str) == Some("null");
        // `Option<T>`: null, or walk T (so that its own problems keep their paths)
        if let [a, b] = branches {
            if null(a) || null(b) {
                let some = if null(a) { b } else { a };
                return v.is_null() || self.node(v, some, path);
            }
        }
        let fits = branches.iter().any(|b| {
            let mut probe = Walk {
                root: self.root,
                problems: Problems::default(),
            };
            probe.node(&mut v.clone(), b, &mut path.clone()) && probe.problems.is_empty()
        });
        if !fits {
            let message = match def {
                Some("PortRef") => {
                    "expected a port number or the name of one of the component's ports"
                }
                Some("Scalar") | Some("Quantity") => "expected a string, number or boolean",
                _ => "data did not match any accepted shape",
            };
            self.problems.push(
                path.clone(),
                format!("invalid type: {}, {message}", describe(v)),
            );
        }
        fits
    }
}

fn strip_tags(mut v: &mut Value) -> &mut Value {
    while let Value::Tagged(t) = v {
        v = &mut t.value;
    }
    v
}

fn has_type(v: &Value, t: &str, s: &Schema) -> bool {
    match (t, v) {
        ("null", Value::Null) => true,
        ("boolean", Value::Bool(_)) => true,
        ("string", Value::String(_)) => true,
        ("array", Value::Sequence(_)) => true,
        ("object", Value::Mapping(_)) => true,
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            let unsigned = s.get("minimum").and_then(Schema::as_f64) == Some(0.0);
            match s.get("format").and_then(Schema::as_str) {
                Some("uint32") => n.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
                _ if unsigned => n.as_u64().is_some(),
                _ => n.as_i64().is_some(),
            }
        }
        _ => false,
    }
}

fn expected(types: &[&str], s: &Schema) -> String {
    let one = |t: &str| match t {
        "integer" if s.get("format").and_then(Schema::as_str) == Some("uint32") => {
            "a whole number from 0 to 4294967295".to_string()
        }
        "integer" => "an integer".to_string(),
        "boolean" => "true or false".to_string(),
        "array" => "a list".to_string(),
        "object" => "a mapping".to_string(),
        other => format!("a {other}"),
    };
    types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| one(t))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("tagged value `{}`", t.tag),
    }
}

/// "did you mean `x`?" when a known name is close to `given`, else the known names.
fn one_of(known: &[&str], given: &str) -> String {
    let close = known
        .iter()
        .map(|k| {
            (
                strsim::osa_distance(&given.to_lowercase(), &k.to_lowercase()),
                *k,
            )
        })
        .filter(|(d, k)| *d <= 2.min(k.chars().count() / 3).max(1))
        .min();
    match close {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None => format!(
            "expected one of {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
