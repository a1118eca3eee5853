//! A service's `secrets` and `configs`: files mounted into its container.

use super::{key_text, scalar, slug_or, Compose};
use crate::import::param_name;
use crate::manifest::{Component, ConfigFile};
use serde_yaml_ng::Value;

impl Compose<'_> {
    /// A service's `secrets`: each a config file whose content is a secret
    /// parameter, so that no secret is ever copied into the package.
    pub(super) fn secrets(&mut self, v: &Value, field: &str, comp: &mut Component) {
        for (source, target, f) in self.grants(v, field) {
            let param = self.secret_param(&source);
            let file = self.d.add_file(
                &format!("files/secrets/{}", slug_or(&source, "secret")),
                format!("${{params.{param}}}").into_bytes(),
            );
            let path = match target {
                Some(t) if t.starts_with('/') => t,
                Some(t) => format!("/run/secrets/{t}"),
                None => format!("/run/secrets/{source}"),
            };
            self.mount_file(comp, path, file, &f);
        }
    }

    fn secret_param(&mut self, name: &str) -> String {
        if let Some(p) = self.secret_params.get(name) {
            return p.clone();
        }
        let declared = self
            .top
            .get("secrets")
            .and_then(|s| s.get(name))
            .and_then(Value::as_mapping);
        let field = format!("secrets.{name}");
        let from = match declared {
            None => "it is not declared under `secrets`".to_string(),
            Some(m) => {
                if let Some(file) = m.get("file").and_then(scalar) {
                    format!("its file `{file}` is not copied into the package")
                } else if let Some(var) = m.get("environment").and_then(scalar) {
                    format!("Compose read it from `{var}`")
                } else if m.get("external").is_some() {
                    "it was created outside Compose".to_string()
                } else {
                    "it has no `file` or `environment`".to_string()
                }
            }
        };
        let param = self.d.add_secret_param(
            param_name(name),
            name,
            format!("the secret `{name}` of the Compose file"),
        );
        self.d.warn(
            field,
            format!("{from}: the secret is asked at install as the secret parameter `{param}` and mounted as a file"),
        );
        self.secret_params.insert(name.to_string(), param.clone());
        param
    }

    /// A service's `configs`: files of the project, or inline content.
    pub(super) fn configs(&mut self, v: &Value, field: &str, comp: &mut Component) {
        for (source, target, f) in self.grants(v, field) {
            let declared = self
                .top
                .get("configs")
                .and_then(|s| s.get(source.as_str()))
                .and_then(Value::as_mapping)
                .cloned();
            let top_field = format!("configs.{source}");
            let Some(decl) = declared else {
                self.d.warn(
                    f,
                    format!(
                        "the config `{source}` is not declared under `configs`; not carried over"
                    ),
                );
                continue;
            };
            let file = if let Some(path) = decl.get("file").and_then(scalar) {
                let path = self.literal(&path, &top_field);
                match self.project_file(&path, &top_field, true) {
                    Some((rel, bytes)) => self.package_file(&rel, bytes, &top_field),
                    None => continue,
                }
            } else if let Some(content) = decl.get("content").and_then(scalar) {
                let content = self.souk(&content, &format!("{top_field}.content"));
                self.d.add_file(
                    &format!("files/configs/{}", slug_or(&source, "config")),
                    content.into_bytes(),
                )
            } else if let Some(var) = decl.get("environment").and_then(scalar) {
                let param = self.var_param(&var, None, None, &top_field);
                self.d.add_file(
                    &format!("files/configs/{}", slug_or(&source, "config")),
                    format!("${{params.{param}}}").into_bytes(),
                )
            } else {
                self.d.warn(
                    top_field,
                    "an external config (or one without `file`, `content` or `environment`) is not carried over",
                );
                continue;
            };
            let path = match target {
                Some(t) if t.starts_with('/') => t,
                Some(t) => format!("/{t}"),
                None => format!("/{source}"),
            };
            self.mount_file(comp, path, file, &f);
        }
    }

    /// The `(source, target, field)` of a service's `secrets` or `configs`.
    fn grants(&mut self, v: &Value, field: &str) -> Vec<(String, Option<String>, String)> {
        let Some(list) = v.as_sequence() else {
            self.d.warn(field, "expected a list; ignored");
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let f = format!("{field}[{i}]");
            match item {
                Value::Mapping(m) => {
                    let Some(source) = m.get("source").and_then(scalar) else {
                        self.d.warn(f, "no `source`; ignored");
                        continue;
                    };
                    for (k, _) in m {
                        let k = key_text(k);
                        if matches!(k.as_str(), "uid" | "gid" | "mode") {
                            self.d.warn(
                                format!("{f}.{k}"),
                                format!("souk mounts config files with its own owner and mode; `{k}` is not carried over"),
                            );
                        }
                    }
                    out.push((source, m.get("target").and_then(scalar), f));
                }
                other => match scalar(other) {
                    Some(s) => out.push((s, None, f)),
                    None => self.d.warn(f, "expected a name; ignored"),
                },
            }
        }
        out
    }

    fn mount_file(&mut self, comp: &mut Component, path: String, source: String, field: &str) {
        if self.mountable(comp, &path, field) {
            comp.config_files.push(ConfigFile { path, source });
        }
    }
}
