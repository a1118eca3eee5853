//! A service: its image, command and dependencies, and the keys souk has no place for.

use super::ports::PortSpec;
use super::{key_text, scalar, Compose};
use crate::import::{new_component, ImportError};
use crate::manifest::Component;
use crate::validate::is_image_reference;
use serde_yaml_ng::{Mapping, Value};

impl Compose<'_> {
    pub(super) fn service(&mut self, key: &str, svc: &Value) -> Result<(), ImportError> {
        let at = format!("services.{key}");
        let Value::Mapping(svc) = svc else {
            return Err(ImportError::Invalid {
                field: at,
                message: "has neither `image` nor `build`".into(),
            });
        };
        let name = self.names[key].clone();
        let image = self.image(key, svc, &at, &name)?;
        let mut comp = new_component(name.clone(), image);
        let mut ports: Vec<PortSpec> = Vec::new();
        let mut mem_cpu: (Option<&Value>, Option<&Value>) = (None, None);
        let mut env_files = None;
        let mut environment = None;
        for (k, v) in svc {
            let k = key_text(k);
            let field = format!("{at}.{k}");
            match k.as_str() {
                "image" | "build" => {}
                "ports" => self.ports(v, &field, &mut ports),
                "expose" => self.expose(v, &field, &mut ports),
                "environment" => environment = Some(v),
                "env_file" => env_files = Some(v),
                "volumes" => self.volumes(key, v, &field, &mut comp),
                "depends_on" | "links" => self.depends_on(key, v, &field, &mut comp),
                "healthcheck" => self.healthcheck(v, &field, &mut comp),
                "command" => {
                    if let Some(words) = self.words(v, &field) {
                        comp.args = words;
                    }
                }
                "entrypoint" => {
                    if let Some(words) = self.words(v, &field) {
                        comp.command = words;
                    }
                }
                "deploy" => self.deploy(v, &field, &mut comp),
                "scale" => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => comp.replicas = n,
                    None => self.d.warn(field, "expected a number of replicas; ignored"),
                },
                "mem_limit" => mem_cpu.0 = Some(v),
                "cpus" => mem_cpu.1 = Some(v),
                "secrets" => self.secrets(v, &field, &mut comp),
                "configs" => self.configs(v, &field, &mut comp),
                other => {
                    let reason = ignored_service_key(other);
                    self.d.warn(field, reason);
                }
            }
        }
        if let Some(v) = env_files {
            self.env_files(v, &format!("{at}.env_file"), &mut comp.env);
        }
        if let Some(v) = environment {
            self.environment(v, &format!("{at}.environment"), &mut comp.env);
        }
        self.legacy_resources(mem_cpu, &at, &mut comp);
        self.place_ports(ports, &mut comp);
        self.d.m.components.push(comp);
        Ok(())
    }

    /// The image of a service: `--image`, else `image`, else a placeholder for a
    /// `build:`-only service.
    pub(super) fn image(
        &mut self,
        key: &str,
        svc: &Mapping,
        at: &str,
        name: &str,
    ) -> Result<String, ImportError> {
        let build = svc.contains_key("build");
        let given = svc
            .get("image")
            .and_then(scalar)
            .map(|s| self.literal(&s, &format!("{at}.image")));
        let placeholder = format!("imported/{name}:latest");
        let image = if let Some(image) = self.opts.images.get(key) {
            if build {
                self.d.warn(
                    format!("{at}.build"),
                    format!("souk installs images, it does not build them; the image `{image}` given for `{key}` is used"),
                );
            }
            image.clone()
        } else if let Some(image) = given {
            let image = image.trim().to_string();
            if is_image_reference(&image) {
                if build {
                    self.d.warn(
                        format!("{at}.build"),
                        format!("souk installs images, it does not build them; build `{image}` and push it where sites can pull it"),
                    );
                }
                image
            } else {
                self.d.warn(
                    format!("{at}.image"),
                    format!("`{image}` is not an image reference; the component uses the placeholder `{placeholder}`: replace it (or import again with `--image {key}=REF`)"),
                );
                placeholder
            }
        } else if build {
            self.d.warn(
                format!("{at}.build"),
                format!("souk installs images, it does not build them; the component uses the placeholder `{placeholder}`: build and push the image, then replace it (or import again with `--image {key}=REF`)"),
            );
            placeholder
        } else {
            return Err(ImportError::Invalid {
                field: at.to_string(),
                message: "has neither `image` nor `build`".into(),
            });
        };
        Ok(image)
    }

    /// `command` or `entrypoint` as words: a string is split as a shell would.
    pub(super) fn words(&mut self, v: &Value, field: &str) -> Option<Vec<String>> {
        let raw: Vec<String> = match v {
            Value::Null => return None,
            Value::Sequence(list) => list.iter().map(|w| scalar(w).unwrap_or_default()).collect(),
            other => self
                .d
                .command_words(&scalar(other).unwrap_or_default(), field),
        };
        if raw.is_empty() {
            self.d.warn(
                field,
                "an empty list clears the image's own in Compose; souk cannot write that, the image's is kept",
            );
            return None;
        }
        Some(raw.iter().map(|w| self.souk(w, field)).collect())
    }

    pub(super) fn depends_on(
        &mut self,
        service: &str,
        v: &Value,
        field: &str,
        comp: &mut Component,
    ) {
        let links = field.ends_with(".links");
        let mut entries: Vec<(String, String, Option<&Mapping>)> = Vec::new();
        match v {
            Value::Sequence(list) => {
                for (i, item) in list.iter().enumerate() {
                    if let Some(s) = scalar(item) {
                        entries.push((s, format!("{field}[{i}]"), None));
                    }
                }
            }
            Value::Mapping(m) => {
                for (k, cond) in m {
                    let k = key_text(k);
                    entries.push((k.clone(), format!("{field}.{k}"), cond.as_mapping()));
                }
            }
            _ => {
                self.d
                    .warn(field, "expected a list or mapping of services; ignored");
                return;
            }
        }
        for (raw, f, cond) in entries {
            let (target, alias) = match raw.split_once(':') {
                Some((t, a)) if links => (t.to_string(), Some(a.to_string())),
                _ => (raw.clone(), None),
            };
            if target == service {
                self.d.warn(f, "a service cannot depend on itself; ignored");
                continue;
            }
            let Some(name) = self.names.get(&target).cloned() else {
                self.d
                    .warn(f, format!("no service named `{target}`; ignored"));
                continue;
            };
            if let Some(alias) = alias.filter(|a| *a != target) {
                self.d.warn(
                    &f,
                    format!("the alias `{alias}` is not carried over; reach the component at `${{components.{name}.host}}`"),
                );
            }
            if let Some(cond) = cond {
                for (k, val) in cond {
                    let k = key_text(k);
                    let text = scalar(val).unwrap_or_default();
                    match (k.as_str(), text.as_str()) {
                        ("condition", "service_started" | "service_healthy") => {}
                        ("condition", "service_completed_successfully") => self.d.warn(
                            format!("{f}.condition"),
                            format!("souk has no run-to-completion components: this one starts once `{name}` is ready, not after it has finished"),
                        ),
                        ("required", "true") => {}
                        ("required", _) => self.d.warn(
                            format!("{f}.required"),
                            format!("souk always installs `{name}`: an optional dependency becomes a required one"),
                        ),
                        ("restart", "false") => {}
                        (other, _) => self.d.warn(
                            format!("{f}.{other}"),
                            format!("`{other}: {text}` has no equivalent in souk's `dependsOn`; ignored"),
                        ),
                    }
                }
            }
            if !comp.depends_on.contains(&name) {
                comp.depends_on.push(name);
            }
        }
    }
}

/// Why a service key is not carried over.
fn ignored_service_key(key: &str) -> String {
    match key {
        "container_name" | "hostname" | "domainname" => format!(
            "souk names containers itself, so `{key}` is not carried over; other components reach this one at `${{components.NAME.host}}`"
        ),
        "restart" => {
            "souk's agent restarts failed components itself; the restart policy is not carried over".into()
        }
        "networks" | "network_mode" => {
            "all of a template's components share one network in souk; reach others at `${components.NAME.host}`".into()
        }
        "labels" => "container labels are not part of a souk template".into(),
        "logging" => "logging is set up by the site, not by the template".into(),
        "profiles" => "souk has no profiles: the component is always installed".into(),
        "platform" => "the site's platform decides which variant of the image runs".into(),
        "runtime" | "isolation" => {
            format!("components run with the site's container runtime; `{key}` is not carried over")
        }
        "extends" => {
            "the service it extends is not merged in; copy what it inherits into this service".into()
        }
        "volumes_from" => "souk components do not share volumes".into(),
        "user" | "working_dir" => format!("the image's own `{key}` is used; souk does not override it"),
        "stdin_open" | "tty" | "attach" => {
            "souk components run without a terminal attached".into()
        }
        "cap_add" | "cap_drop" | "privileged" | "security_opt" | "devices" | "userns_mode"
        | "sysctls" | "ulimits" | "pid" | "ipc" | "cgroup" | "cgroup_parent"
        | "device_cgroup_rules" | "use_api_socket" => format!(
            "`{key}` gives the container special rights on the host, which souk does not grant"
        ),
        k if k.starts_with("x-") => "an extension field; Compose ignores it and so does souk".into(),
        _ => format!("`{key}` has no equivalent in a souk template; ignored"),
    }
}
