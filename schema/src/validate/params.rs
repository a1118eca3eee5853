//! `parameters`: names, types, bounds, patterns, options and defaults, and the
//! check of any value given for one.

use super::Validator;
use crate::manifest::{ParamType, Parameter};
use crate::names::is_param_name;
use regex::Regex;

impl Validator<'_> {
    pub(super) fn parameters(&mut self) {
        let m = self.m;
        self.unique(
            m.parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("parameters[{i}].name"), p.name.as_str())),
            "parameter",
            is_param_name,
            "lowercase letters, digits and `_`, starting with a letter",
        );
        for (i, p) in m.parameters.iter().enumerate() {
            self.parameter(&format!("parameters[{i}]"), p);
        }
    }

    fn parameter(&mut self, at: &str, p: &Parameter) {
        let t = p.kind;
        let pattern = match &p.pattern {
            Some(pat) if matches!(t, ParamType::String | ParamType::Secret) => {
                match Regex::new(pat) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        self.p.push(
                            format!("{at}.pattern"),
                            format!("not a valid regular expression: {e}"),
                        );
                        None
                    }
                }
            }
            Some(_) => {
                self.p.push(
                    format!("{at}.pattern"),
                    format!(
                        "only string and secret parameters take a pattern, this one is {}",
                        t.as_str()
                    ),
                );
                None
            }
            None => None,
        };
        if t != ParamType::Integer {
            for (f, v) in [("min", p.min), ("max", p.max)] {
                if v.is_some() {
                    self.p.push(
                        format!("{at}.{f}"),
                        format!(
                            "only integer parameters take `{f}`, this one is {}",
                            t.as_str()
                        ),
                    );
                }
            }
        } else if let (Some(lo), Some(hi)) = (p.min, p.max) {
            if lo > hi {
                self.p.push(
                    format!("{at}.min"),
                    format!("min {lo} is greater than max {hi}"),
                );
            }
        }
        if t == ParamType::Enum {
            if p.options.is_empty() {
                self.p.push(
                    format!("{at}.options"),
                    "an enum parameter needs a non-empty list of `options`",
                );
            }
        } else if !p.options.is_empty() {
            self.p.push(
                format!("{at}.options"),
                format!(
                    "only enum parameters take `options`, this one is {}",
                    t.as_str()
                ),
            );
        }
        let pattern_broken = pattern.is_none()
            && p.pattern.is_some()
            && matches!(t, ParamType::String | ParamType::Secret);
        if let Some(d) = p.default.as_ref().filter(|_| !pattern_broken) {
            if let Err(e) = check_param_value(p, d, pattern.as_ref()) {
                self.p.push(format!("{at}.default"), e);
            }
        }
    }
}

/// Check a value given for a parameter against its type, bounds and pattern.
/// Used for defaults here and for install-time values by the agent.
pub fn check_param_value(
    p: &Parameter,
    value: &serde_json::Value,
    pattern: Option<&Regex>,
) -> Result<(), String> {
    use serde_json::Value;
    match (p.kind, value) {
        (ParamType::String | ParamType::Secret, Value::String(s)) => {
            let compiled;
            let pattern = match (pattern, &p.pattern) {
                (Some(r), _) => Some(r),
                (None, Some(pat)) => {
                    compiled = Regex::new(pat).map_err(|e| e.to_string())?;
                    Some(&compiled)
                }
                (None, None) => None,
            };
            if let Some(r) = pattern {
                if !r.is_match(s) {
                    return Err(if p.kind == ParamType::Secret {
                        format!("the value does not match the pattern `{}`", r.as_str())
                    } else {
                        format!("`{s}` does not match the pattern `{}`", r.as_str())
                    });
                }
            }
            Ok(())
        }
        (ParamType::Integer, Value::Number(n)) => {
            let i = n
                .as_i64()
                .ok_or_else(|| format!("{n} is not a whole number"))?;
            if let Some(lo) = p.min.filter(|lo| i < *lo) {
                return Err(format!("{i} is less than the minimum {lo}"));
            }
            if let Some(hi) = p.max.filter(|hi| i > *hi) {
                return Err(format!("{i} is more than the maximum {hi}"));
            }
            Ok(())
        }
        (ParamType::Boolean, Value::Bool(_)) => Ok(()),
        (ParamType::Enum, Value::String(s)) => {
            if p.options.contains(s) {
                Ok(())
            } else {
                Err(format!(
                    "`{s}` is not one of the options: {}",
                    p.options.join(", ")
                ))
            }
        }
        (t, v) => Err(format!(
            "expected a {} value, found `{v}`",
            match t {
                ParamType::Secret => "string (secret)",
                ParamType::Enum => "string (one of the options)",
                other => other.as_str(),
            }
        )),
    }
}
