//! A service's `healthcheck`: a readiness probe running its test.

use super::{key_text, scalar, Compose};
use crate::manifest::{Component, ExecProbe, Probe};
use serde_yaml_ng::Value;

impl Compose<'_> {
    pub(super) fn healthcheck(&mut self, v: &Value, field: &str, comp: &mut Component) {
        let Some(m) = v.as_mapping() else {
            self.d.warn(field, "expected a mapping; ignored");
            return;
        };
        if m.get("disable").and_then(Value::as_bool) == Some(true) {
            self.d.warn(
                field,
                "the healthcheck is turned off; there is nothing to carry over",
            );
            return;
        }
        let test_field = format!("{field}.test");
        let command: Vec<String> = match m.get("test") {
            None => {
                self.d.warn(
                    field,
                    "no `test`: the image's own healthcheck is not known to souk; not carried over",
                );
                return;
            }
            Some(Value::Sequence(list)) => {
                let words: Vec<String> = list
                    .iter()
                    .map(|w| {
                        let s = scalar(w).unwrap_or_default();
                        self.literal(&s, &test_field)
                    })
                    .collect();
                match words.split_first() {
                    Some((first, rest)) if first == "CMD" => rest.to_vec(),
                    Some((first, rest)) if first == "CMD-SHELL" => {
                        vec!["sh".into(), "-c".into(), rest.join(" ")]
                    }
                    Some((first, _)) if first == "NONE" => {
                        self.d.warn(
                            field,
                            "the healthcheck is turned off; there is nothing to carry over",
                        );
                        return;
                    }
                    _ => {
                        self.d.warn(
                            test_field,
                            "expected `[CMD, …]`, `[CMD-SHELL, …]` or `[NONE]`; the healthcheck is not carried over",
                        );
                        return;
                    }
                }
            }
            Some(other) => {
                let s = scalar(other).unwrap_or_default();
                vec!["sh".into(), "-c".into(), self.literal(&s, &test_field)]
            }
        };
        if command.iter().all(|w| w.trim().is_empty()) {
            self.d.warn(
                test_field,
                "an empty test; the healthcheck is not carried over",
            );
            return;
        }
        let mut probe = Probe {
            http: None,
            tcp: None,
            exec: Some(ExecProbe { command }),
            initial_delay_seconds: None,
            period_seconds: None,
            timeout_seconds: None,
            failure_threshold: None,
            success_threshold: None,
        };
        for (k, val) in m {
            let k = key_text(k);
            let f = format!("{field}.{k}");
            match k.as_str() {
                "test" | "disable" => {}
                "interval" => probe.period_seconds = self.duration(val, &f),
                "timeout" => probe.timeout_seconds = self.duration(val, &f),
                "start_period" => probe.initial_delay_seconds = self.duration(val, &f),
                "retries" => match val.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(0) => {}
                    Some(n) => probe.failure_threshold = Some(n),
                    None => self.d.warn(f, "expected a number; ignored"),
                },
                "start_interval" => self.d.warn(
                    f,
                    "souk probes at one interval; the interval during the start period is not carried over",
                ),
                other => self.d.warn(
                    f,
                    format!("`{other}` has no equivalent in a souk probe; ignored"),
                ),
            }
        }
        comp.probes.readiness = Some(probe);
    }

    /// A Compose duration (`10s`, `1m30s`, `500ms`) in whole seconds, at least 1.
    fn duration(&mut self, v: &Value, field: &str) -> Option<u32> {
        let text = scalar(v).unwrap_or_default();
        match parse_duration(&text) {
            Some(secs) => Some(secs.ceil().max(1.0) as u32),
            None => {
                self.d.warn(
                    field,
                    format!("`{text}` is not a duration (like `10s` or `1m30s`); ignored"),
                );
                None
            }
        }
    }
}

/// A Compose duration in seconds: `1h2m3s`, `1.5s`, `500ms`, or a bare number
/// of seconds.
fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return (n >= 0.0).then_some(n);
    }
    let mut total = 0.0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        total += num * scale;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, want) in [
            ("10s", Some(10.0)),
            ("1m30s", Some(90.0)),
            ("1h", Some(3600.0)),
            ("500ms", Some(0.5)),
            ("1.5s", Some(1.5)),
            ("30", Some(30.0)),
            ("", None),
            ("10x", None),
            ("s", None),
        ] {
            assert_eq!(parse_duration(s), want, "{s}");
        }
    }
}
