//! A service's replicas and resources: `deploy`, and the version 2 `mem_limit` and `cpus`.

use super::{key_text, scalar, Compose};
use crate::import::{binary_quantity, millicores};
use crate::manifest::{Component, Quantity, Resources};
use serde_yaml_ng::Value;

impl Compose<'_> {
    pub(super) fn deploy(&mut self, v: &Value, field: &str, comp: &mut Component) {
        let Some(m) = v.as_mapping() else {
            self.d.warn(field, "expected a mapping; ignored");
            return;
        };
        for (k, val) in m {
            let k = key_text(k);
            let f = format!("{field}.{k}");
            match k.as_str() {
                "replicas" => match val.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => comp.replicas = n,
                    None => self.d.warn(f, "expected a number of replicas; ignored"),
                },
                "mode" if scalar(val).as_deref() == Some("replicated") => {}
                "mode" => self.d.warn(
                    f,
                    "souk runs a component's replicas on the site; a global (one per node) mode is not carried over",
                ),
                "resources" => self.resources(val, &f, comp),
                "restart_policy" => self.d.warn(f, "souk's agent restarts failed components itself; the restart policy is not carried over"),
                "labels" => self.d.warn(f, "service labels are not part of a souk template"),
                "placement" => self.d.warn(f, "placement constraints are not carried over: the site decides where components run"),
                "update_config" | "rollback_config" => self.d.warn(f, "souk's agent upgrades and rolls back component by component itself; not carried over"),
                other => self.d.warn(f, format!("`deploy.{other}` has no equivalent in a souk template; ignored")),
            }
        }
    }

    fn resources(&mut self, v: &Value, field: &str, comp: &mut Component) {
        let Some(m) = v.as_mapping() else {
            self.d.warn(field, "expected a mapping; ignored");
            return;
        };
        let mut res = comp.resources.clone().unwrap_or_default();
        for (k, val) in m {
            let k = key_text(k);
            let f = format!("{field}.{k}");
            let Some(inner) = val.as_mapping() else {
                self.d.warn(f, "expected a mapping; ignored");
                continue;
            };
            for (ik, iv) in inner {
                let ik = key_text(ik);
                let ff = format!("{f}.{ik}");
                match (k.as_str(), ik.as_str()) {
                    ("limits", "cpus") => res.cpu = self.cpus(iv, &ff),
                    ("limits", "memory") => res.memory = self.memory(iv, &ff),
                    ("reservations", "devices") => res.gpu = self.gpus(iv, &ff).or(res.gpu),
                    ("reservations", "cpus" | "memory") => self.d.warn(
                        ff,
                        "souk's `resources` are limits; a reservation is not carried over",
                    ),
                    (_, other) => self.d.warn(
                        ff,
                        format!("`{other}` has no equivalent in souk's `resources`; ignored"),
                    ),
                }
            }
        }
        comp.resources = (res != Resources::default()).then_some(res);
    }

    /// `mem_limit` and `cpus` of the version 2 format, unless `deploy` set them.
    pub(super) fn legacy_resources(
        &mut self,
        (mem, cpus): (Option<&Value>, Option<&Value>),
        at: &str,
        comp: &mut Component,
    ) {
        let mut res = comp.resources.clone().unwrap_or_default();
        if let Some(v) = mem {
            let m = self.memory(v, &format!("{at}.mem_limit"));
            res.memory = res.memory.or(m);
        }
        if let Some(v) = cpus {
            let c = self.cpus(v, &format!("{at}.cpus"));
            res.cpu = res.cpu.or(c);
        }
        comp.resources = (res != Resources::default()).then_some(res);
    }

    fn cpus(&mut self, v: &Value, field: &str) -> Option<Quantity> {
        let text = scalar(v).unwrap_or_default();
        match text.trim().parse::<f64>() {
            Ok(c) if c > 0.0 && c.is_finite() => {
                Some(millicores(((c * 1000.0).round() as u64).max(1)))
            }
            _ => {
                self.d
                    .warn(field, format!("`{text}` is not a number of CPUs; ignored"));
                None
            }
        }
    }

    fn memory(&mut self, v: &Value, field: &str) -> Option<Quantity> {
        let text = scalar(v).unwrap_or_default();
        match parse_bytes(&text) {
            Some(b) if b > 0 => Some(binary_quantity(b)),
            _ => {
                self.d.warn(
                    field,
                    format!("`{text}` is not an amount of memory (like `512M` or `1.5G`); ignored"),
                );
                None
            }
        }
    }

    fn gpus(&mut self, v: &Value, field: &str) -> Option<u32> {
        let mut gpus = None;
        for (i, d) in v.as_sequence().into_iter().flatten().enumerate() {
            let f = format!("{field}[{i}]");
            let is_gpu = d
                .get("capabilities")
                .and_then(Value::as_sequence)
                .is_some_and(|c| c.iter().any(|c| c.as_str() == Some("gpu")));
            if !is_gpu {
                self.d.warn(
                    f,
                    "only GPUs are carried over from device reservations; ignored",
                );
                continue;
            }
            let count = match d.get("count") {
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                Some(Value::String(s)) if s.trim().parse::<u32>().is_ok() => s.trim().parse().ok(),
                Some(Value::String(s)) if s == "all" => {
                    self.d
                        .warn(&f, "`count: all` becomes one GPU: souk counts GPUs");
                    Some(1)
                }
                None if d.get("device_ids").is_some() => {
                    self.d.warn(
                        &f,
                        "device ids are chosen by the site; the number of ids listed is used",
                    );
                    d.get("device_ids")
                        .and_then(Value::as_sequence)
                        .and_then(|l| u32::try_from(l.len()).ok())
                }
                _ => Some(1),
            };
            gpus = Some(gpus.unwrap_or(0) + count.unwrap_or(1));
        }
        gpus
    }
}

/// A Compose byte amount: `512M`, `1.5g`, `2048k`, `1gb`, `1024` (bytes).
fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let num_len = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let num: f64 = s[..num_len].parse().ok()?;
    let unit = s[num_len..].trim();
    let unit = unit.strip_suffix('b').unwrap_or(unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let scale = match unit {
        "" => 1u64,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    let bytes = num * scale as f64;
    (bytes.is_finite() && bytes >= 0.0).then(|| bytes.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_amounts() {
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("1.5G"), Some(1536 << 20));
        assert_eq!(parse_bytes("2048k"), Some(2 << 20));
        assert_eq!(parse_bytes("1gb"), Some(1 << 30));
        assert_eq!(parse_bytes("1024"), Some(1024));
        assert_eq!(parse_bytes("lots"), None);
    }
}
