//! `souk info`: a template and its versions, or one version's contents.

use super::{short_time, ExitStatus};
use crate::cli::InfoArgs;
use crate::error::Error;
use crate::output::{table, Printer, BOLD, DIM, MARK};
use crate::registry::RegistryClient;
use serde_json::Value;
use souk_schema::manifest::{Manifest, ParamType, Parameter};
use souk_schema::wire::{TemplateView, VersionDetail};
use souk_schema::TemplateName;

/// With `--output json`, prints the registry's JSON (a secret parameter's
/// default removed, should a registry ever send one).
pub async fn info(
    args: &InfoArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let name = &args.template.name;
    match &args.template.version {
        None => {
            let reply = client.template(name).await?;
            if printer.is_json() {
                printer.json(&reply.json)?;
            } else {
                for line in template_lines(&reply.data, printer) {
                    printer.data(&line)?;
                }
            }
        }
        Some(version) => {
            let mut reply = client.version(name, version).await?;
            if printer.is_json() {
                redact_secret_defaults(&mut reply.json);
                printer.json(&reply.json)?;
            } else {
                for line in version_lines(name, &reply.data, printer) {
                    printer.data(&line)?;
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn field(label: &str, value: &str) -> String {
    format!("{:<11}{value}", format!("{label}:"))
}

fn template_lines(t: &TemplateView, printer: &Printer) -> Vec<String> {
    let latest = &t.latest.version;
    let m = &t.latest.manifest;
    let mut lines = vec![format!(
        "{} {}",
        printer.out_style(BOLD, &latest.name),
        latest.version
    )];
    lines.push(latest.title.clone());
    lines.push(latest.summary.clone());
    lines.push(String::new());
    lines.push(field("category", &latest.category));
    if !latest.tags.is_empty() {
        lines.push(field("tags", &latest.tags.join(", ")));
    }
    for (name, value) in [
        ("license", &m.license),
        ("homepage", &m.homepage),
        ("source", &m.source),
    ] {
        if let Some(value) = value {
            lines.push(field(name, value));
        }
    }
    lines.push(String::new());
    if t.versions.is_empty() {
        lines.push("no versions".into());
        return lines;
    }
    lines.push(format!("versions ({}):", t.versions.len()));
    let rows: Vec<Vec<String>> = t
        .versions
        .iter()
        .map(|v| {
            let mut marks = Vec::new();
            if v.yanked {
                marks.push(printer.out_style(MARK, "yanked"));
            }
            if !v.version.pre.is_empty() {
                marks.push(printer.out_style(MARK, "pre-release"));
            }
            vec![
                format!("  {}", v.version),
                short_time(&v.published_at.to_rfc3339()),
                short_digest(&v.digest),
                marks.join(", "),
            ]
        })
        .collect();
    // Cells hold colour codes when stdout is a terminal; `table` measures
    // display width without them.
    let mut versions = table(&["", "", "", ""], &rows, None, false);
    versions.remove(0); // no header row
    lines.extend(versions);
    lines
}

/// `sha256:` and the first 12 hex digits: enough to tell versions apart.
fn short_digest(d: &str) -> String {
    match d.get(..19) {
        Some(head) if d.len() > 19 => format!("{head}…"),
        _ => d.to_string(),
    }
}

fn version_lines(name: &TemplateName, detail: &VersionDetail, printer: &Printer) -> Vec<String> {
    let v = &detail.version;
    let m = &detail.manifest;
    let mut head = printer.out_style(BOLD, &format!("{name}@{}", v.version));
    if v.yanked {
        head.push_str(&format!(" {}", printer.out_style(MARK, "(yanked)")));
    }
    if !v.version.pre.is_empty() {
        head.push_str(&format!(" {}", printer.out_style(MARK, "(pre-release)")));
    }
    let mut lines = vec![head];
    lines.push(v.title.clone());
    lines.push(v.summary.clone());
    lines.push(String::new());
    lines.push(field("digest", &v.digest));
    lines.push(field(
        "published",
        &short_time(&v.published_at.to_rfc3339()),
    ));
    lines.push(field("category", &m.category));
    if let Some(from) = m.upgrade.as_ref().and_then(|u| u.from.as_deref()) {
        lines.push(field("upgrades", &format!("from {from}")));
    }
    lines.push(String::new());
    lines.extend(component_lines(m, printer));
    let params = parameter_lines(&m.parameters, printer);
    if !params.is_empty() {
        lines.push(String::new());
        lines.extend(params);
    }
    if !m.ingress.is_empty() {
        lines.push(String::new());
        lines.push("ingress:".into());
        for r in &m.ingress.http {
            lines.push(format!(
                "  http    {}{} → {}:{}",
                r.host, r.path, r.component, r.port
            ));
        }
        for r in &m.ingress.stream {
            let protocol = r.protocol.map(|p| p.as_str()).unwrap_or("tcp");
            lines.push(format!(
                "  {protocol:<6}  :{} → {}:{}",
                r.port, r.component, r.target_port
            ));
        }
    }
    lines
}

fn component_lines(m: &Manifest, printer: &Printer) -> Vec<String> {
    let mut lines = vec![format!("components ({}):", m.components.len())];
    // Component names are ASCII: their length is their width.
    let name_width = m.components.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &m.components {
        let mut traits = Vec::new();
        if c.stateful {
            traits.push("stateful".to_string());
        }
        if c.replicas != 1 {
            traits.push(format!("{} replicas", c.replicas));
        }
        let traits = if traits.is_empty() {
            String::new()
        } else {
            format!(
                " {}",
                printer.out_style(DIM, &format!("({})", traits.join(", ")))
            )
        };
        let pad = " ".repeat(name_width - c.name.len());
        lines.push(format!(
            "  {}{pad}  {}{traits}",
            printer.out_style(BOLD, &c.name),
            c.image
        ));
        if !c.ports.is_empty() {
            let ports: Vec<String> = c
                .ports
                .iter()
                .map(|p| format!("{} {}/{}", p.name, p.port, p.protocol.as_str()))
                .collect();
            lines.push(format!("    ports: {}", ports.join(", ")));
        }
        if !c.volumes.is_empty() {
            let volumes: Vec<String> = c
                .volumes
                .iter()
                .map(|v| format!("{} {}", v.name, v.path))
                .collect();
            lines.push(format!("    volumes: {}", volumes.join(", ")));
        }
        if !c.depends_on.is_empty() {
            lines.push(format!("    depends on: {}", c.depends_on.join(", ")));
        }
    }
    lines
}

fn parameter_lines(params: &[Parameter], printer: &Printer) -> Vec<String> {
    if params.is_empty() {
        return Vec::new();
    }
    let rows: Vec<Vec<String>> = params
        .iter()
        .map(|p| {
            let mut notes = Vec::new();
            if p.required {
                notes.push("required".to_string());
            }
            match (&p.default, p.kind) {
                // A secret's default is as secret as its value: never shown.
                (Some(_), ParamType::Secret) => notes.push("has a default".into()),
                (Some(Value::String(s)), _) => notes.push(format!("default: {s}")),
                (Some(d), _) => notes.push(format!("default: {d}")),
                (None, _) => {}
            }
            if !p.options.is_empty() {
                notes.push(format!("one of: {}", p.options.join(", ")));
            }
            vec![
                format!("  {}", p.name),
                p.kind.as_str().to_string(),
                notes.join(", "),
                p.title.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut lines = vec![format!("parameters ({}):", params.len())];
    let mut body = table(&["", "", "", ""], &rows, printer.width(), false);
    body.remove(0);
    lines.extend(body);
    lines
}

/// Drop `default` from every secret parameter of the `manifest` in `json`.
fn redact_secret_defaults(json: &mut Value) {
    let Some(params) = json
        .pointer_mut("/manifest/parameters")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for p in params {
        if p.get("type").and_then(Value::as_str) == Some("secret") {
            if let Some(obj) = p.as_object_mut() {
                obj.remove("default");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;

    fn manifest() -> Value {
        serde_json::json!({
            "apiVersion": "souk/v1", "kind": "Template", "name": "acme/shop", "version": "1.2.0",
            "title": "Shop", "summary": "A shop.", "category": "other",
            "upgrade": {"from": ">=1.0.0"},
            "parameters": [
                {"name": "domain", "type": "string", "default": "shop.local", "required": true},
                {"name": "admin_password", "type": "secret", "default": "hunter2", "required": true}
            ],
            "components": [
                {"name": "db", "image": "mysql:8.0.36", "stateful": true, "replicas": 1,
                 "ports": [{"name": "mysql", "port": 3306, "protocol": "tcp"}]},
                {"name": "web", "image": "acme/shop:1.2.0", "replicas": 2, "dependsOn": ["db"],
                 "ports": [{"name": "http", "port": 8080, "protocol": "http"}]}
            ],
            "ingress": {"http": [{"host": "${params.domain}", "path": "/", "component": "web", "port": "http"}]}
        })
    }

    #[test]
    fn a_version_shows_components_and_parameters_but_never_a_secret_default() {
        let json = serde_json::json!({
            "name": "acme/shop", "version": "1.2.0",
            "digest": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "size": 1024, "title": "Shop", "summary": "A shop.", "category": "other", "tags": [],
            "upgrade_from": ">=1.0.0", "package_url": "/api/v1/templates/acme/shop/versions/1.2.0/package",
            "icon_url": null, "readme": null, "changelog": null,
            "published_at": "2025-03-01T10:20:30Z", "yanked": false, "manifest": manifest()
        });
        let v: VersionDetail = serde_json::from_value(json.clone()).unwrap();
        let printer = Printer::plain(OutputFormat::Text, None);
        let name = TemplateName::parse("acme/shop").unwrap();
        let text = version_lines(&name, &v, &printer).join("\n");
        insta::assert_snapshot!(text);
        assert!(!text.contains("hunter2"));

        let mut json = json;
        redact_secret_defaults(&mut json);
        assert!(!json.to_string().contains("hunter2"));
        assert!(json.to_string().contains("shop.local"));
    }

    #[test]
    fn a_template_lists_its_versions_with_marks() {
        let mut manifest = manifest();
        manifest["license"] = "Apache-2.0".into();
        manifest["homepage"] = "https://shop.example.com".into();
        let t: TemplateView = serde_json::from_value(serde_json::json!({
            "name": "acme/shop", "version": "1.2.0", "title": "Shop", "summary": "A shop.",
            "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
            "size": 1024, "upgrade_from": null, "yanked": false, "published_at": "2025-03-02T00:00:00Z",
            "package_url": "/api/v1/templates/acme/shop/versions/1.2.0/package", "icon_url": null,
            "readme": null, "changelog": null,
            "category": "other", "tags": ["retail", "web"], "namespace": "acme",
            "created_at": "2025-03-01T00:00:00Z", "updated_at": "2025-03-03T00:00:00Z",
            "manifest": manifest,
            "versions": [
                {"version": "2.0.0-rc.1", "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "published_at": "2025-03-03T00:00:00Z", "yanked": false},
                {"version": "1.2.0", "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222", "published_at": "2025-03-02T00:00:00Z", "yanked": false},
                {"version": "1.1.0", "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333", "published_at": "2025-03-01T00:00:00Z", "yanked": true}
            ]
        }))
        .unwrap();
        let printer = Printer::plain(OutputFormat::Text, None);
        insta::assert_snapshot!(template_lines(&t, &printer).join("\n"));
    }
}
