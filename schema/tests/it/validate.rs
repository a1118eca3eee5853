//! The rules of template format v1, as a table: a change to the spec example →
//! the problems expected, each by path and a fragment of its message.

use serde_json::{json, Value};
use souk_schema::manifest::parse;
use souk_schema::validate::validate;

fn example() -> Value {
    let text = std::fs::read_to_string(crate::spec_example().join("souk.yaml")).unwrap();
    parse(&text).unwrap().to_json()
}

/// Apply `edit` to the spec example and validate it (without files).
fn problems(edit: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    let mut v = example();
    edit(&mut v);
    let manifest = match parse(&v.to_string()) {
        Ok(m) => m,
        Err(p) => return p.0.into_iter().map(|p| (p.path, p.message)).collect(),
    };
    match validate(manifest, None) {
        Ok(_) => vec![],
        Err(p) => p.0.into_iter().map(|p| (p.path, p.message)).collect(),
    }
}

fn check(name: &str, edit: impl FnOnce(&mut Value), expected: &[(&str, &str)]) {
    let got = problems(edit);
    assert_eq!(
        got.len(),
        expected.len(),
        "{name}: expected {expected:?}, got {got:?}"
    );
    for ((path, msg), (want_path, want_msg)) in got.iter().zip(expected) {
        assert_eq!(path, want_path, "{name}: {got:?}");
        assert!(
            msg.contains(want_msg),
            "{name}: message `{msg}` should contain `{want_msg}`"
        );
    }
}

fn set(v: &mut Value, pointer: &str, value: Value) {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the example")) = value;
}

#[test]
fn the_spec_example_is_valid() {
    check("spec example", |_| {}, &[]);
}

#[test]
fn identity_rules() {
    check(
        "apiVersion",
        |v| set(v, "/apiVersion", json!("souk/v2")),
        &[("apiVersion", "must be `souk/v1`")],
    );
    check(
        "kind",
        |v| set(v, "/kind", json!("App")),
        &[("kind", "must be `Template`")],
    );
    check(
        "name without namespace",
        |v| set(v, "/name", json!("warehouse")),
        &[("name", "expected `namespace/name`")],
    );
    check(
        "name with capitals",
        |v| set(v, "/name", json!("Acme/warehouse")),
        &[("name", "namespace `Acme`")],
    );
    check(
        "version not semver",
        |v| set(v, "/version", json!("1.2")),
        &[("version", "not a semantic version")],
    );
    check(
        "build metadata",
        |v| set(v, "/version", json!("1.2.0+build.5")),
        &[("version", "build metadata")],
    );
    check(
        "empty title",
        |v| set(v, "/title", json!("  ")),
        &[("title", "must not be empty")],
    );
    check(
        "category slug",
        |v| set(v, "/category", json!("Logistics Stuff")),
        &[("category", "not a category slug")],
    );
    check(
        "tag with space",
        |v| set(v, "/tags/1", json!("rf id")),
        &[("tags[1]", "not a tag")],
    );
    check(
        "duplicate tag",
        |v| set(v, "/tags/1", json!("warehouse")),
        &[("tags[1]", "duplicate tag")],
    );
    check(
        "homepage",
        |v| set(v, "/homepage", json!("example.com")),
        &[("homepage", "not an http(s) URL")],
    );
    check(
        "icon type",
        |v| set(v, "/icon", json!("icon.gif")),
        &[("icon", ".png or .svg")],
    );
    check(
        "upgrade.from",
        |v| set(v, "/upgrade/from", json!(">=one")),
        &[("upgrade.from", "not a semver requirement")],
    );
    check(
        "requires.agent",
        |v| set(v, "/requires/agent", json!("latest")),
        &[("requires.agent", "not a semver requirement")],
    );
}

#[test]
fn unknown_fields_are_errors_with_their_path() {
    check(
        "typo at the top",
        |v| {
            v["summery"] = json!("x");
        },
        &[("summery", "unknown field `summery`")],
    );
    check(
        "typo in a port",
        |v| {
            v["components"][0]["ports"][0]["protocl"] = json!("tcp");
        },
        &[("components[0].ports[0].protocl", "unknown field `protocl`")],
    );
    check(
        "wrong type",
        |v| set(v, "/components/1/replicas", json!("two")),
        &[("components[1].replicas", "invalid type")],
    );
    check(
        "bad protocol",
        |v| set(v, "/components/0/ports/0/protocol", json!("sctp")),
        &[("components[0].ports[0].protocol", "unknown variant `sctp`")],
    );
}

#[test]
fn yaml_errors_name_the_field() {
    let text = "apiVersion: souk/v1\nkind: Template\nname: a/b\nversion: 1.0.0\ntitle: t\nsummary: s\ncategory: iot\ncomponents:\n  - name: web\n    image: nginx:1\n    ports:\n      - {name: http, port: eighty}\n";
    let p = parse(text).unwrap_err();
    assert_eq!(p.0.len(), 1);
    assert_eq!(p.0[0].path, "components[0].ports[0].port");
    assert!(p.0[0].message.contains("line 12"), "{}", p.0[0].message);
}

#[test]
fn env_values_may_be_numbers_and_booleans() {
    let text = "apiVersion: souk/v1\nkind: Template\nname: a/b\nversion: 1.0.0\ntitle: t\nsummary: s\ncategory: iot\ncomponents:\n  - name: web\n    image: nginx:1\n    env: {PORT: 8080, DEBUG: true, RATIO: 0.5}\n";
    let m = parse(text).unwrap();
    let env = &m.components[0].env;
    assert_eq!(env["PORT"], "8080");
    assert_eq!(env["DEBUG"], "true");
    assert_eq!(env["RATIO"], "0.5");
}

#[test]
fn parameter_rules() {
    check(
        "bad name",
        |v| set(v, "/parameters/0/name", json!("Domain")),
        &[
            ("parameters[0].name", "not a valid parameter name"),
            // the reference to the old name in ingress no longer resolves
            ("ingress.http[0].host", "unknown parameter `domain`"),
        ],
    );
    check(
        "duplicate",
        |v| set(v, "/parameters/2/name", json!("domain")),
        &[("parameters[2].name", "duplicate parameter name `domain`")],
    );
    check(
        "default type",
        |v| set(v, "/parameters/2/default", json!("thirty")),
        &[("parameters[2].default", "expected a integer value")],
    );
    check(
        "default below min",
        |v| set(v, "/parameters/2/default", json!(0)),
        &[("parameters[2].default", "less than the minimum 1")],
    );
    check(
        "min above max",
        |v| set(v, "/parameters/2/min", json!(5000)),
        &[
            ("parameters[2].min", "min 5000 is greater than max 3650"),
            ("parameters[2].default", "30 is less than the minimum 5000"),
        ],
    );
    check(
        "pattern on integer",
        |v| {
            v["parameters"][2]["pattern"] = json!("^[0-9]+$");
        },
        &[("parameters[2].pattern", "only string and secret")],
    );
    check(
        "invalid pattern",
        |v| set(v, "/parameters/0/pattern", json!("([a-z")),
        &[("parameters[0].pattern", "not a valid regular expression")],
    );
    check(
        "default against pattern",
        |v| set(v, "/parameters/0/default", json!("Warehouse!")),
        &[("parameters[0].default", "does not match the pattern")],
    );
    check(
        "enum without options",
        |v| {
            v["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "mode", "type": "enum"}));
        },
        &[("parameters[3].options", "non-empty list of `options`")],
    );
    check(
        "enum default not an option",
        |v| {
            v["parameters"].as_array_mut().unwrap().push(
                json!({"name": "mode", "type": "enum", "options": ["a", "b"], "default": "c"}),
            );
        },
        &[("parameters[3].default", "not one of the options")],
    );
}

#[test]
fn component_rules() {
    check(
        "no components",
        |v| set(v, "/components", json!([])),
        &[
            ("components", "at least one component"),
            ("configGroups[0].components[0]", "no component named `api`"),
            (
                "configGroups[0].components[1]",
                "no component named `worker`",
            ),
            ("ingress.http[0].component", "no component named `api`"),
            ("ingress.stream[0].component", "no component named `mysql`"),
            ("migrations[0].component", "no component named `api`"),
            ("configGroups[0].env.DB_HOST", "unknown component `mysql`"),
            ("configGroups[0].env.DB_PORT", "unknown component `mysql`"),
        ],
    );
    check(
        "bad component name",
        |v| set(v, "/components/1/name", json!("API")),
        &[
            ("components[1].name", "not a valid component name"),
            ("configGroups[0].components[0]", "no component named `api`"),
            ("ingress.http[0].component", "no component named `api`"),
            ("migrations[0].component", "no component named `api`"),
        ],
    );
    check(
        "duplicate component",
        |v| set(v, "/components/1/name", json!("mysql")),
        &[
            ("components[1].name", "duplicate component name `mysql`"),
            ("components[1].dependsOn[0]", "cannot depend on itself"),
            ("configGroups[0].components[0]", "no component named `api`"),
            ("ingress.http[0].component", "no component named `api`"),
            ("migrations[0].component", "no component named `api`"),
        ],
    );
    check(
        "bad image",
        |v| set(v, "/components/0/image", json!("MySQL 8")),
        &[("components[0].image", "not an image reference")],
    );
    check(
        "digest-pinned image is fine",
        |v| {
            set(
                v,
                "/components/0/image",
                json!(format!("mysql:8.0.36@sha256:{}", "a".repeat(64))),
            )
        },
        &[],
    );
    check(
        "port out of range",
        |v| set(v, "/components/0/ports/0/port", json!(70000)),
        &[("components[0].ports[0].port", "not a port number")],
    );
    check(
        "duplicate port name",
        |v| {
            v["components"][0]["ports"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "mysql", "port": 33060}));
        },
        &[("components[0].ports[1].name", "duplicate port name `mysql`")],
    );
    check(
        "duplicate port number",
        |v| {
            v["components"][0]["ports"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "x", "port": 3306}));
        },
        &[(
            "components[0].ports[1].port",
            "port 3306 (tcp) is already declared",
        )],
    );
    check(
        "cpu",
        |v| set(v, "/components/0/resources/cpu", json!("lots")),
        &[("components[0].resources.cpu", "not a CPU amount")],
    );
    check(
        "memory",
        |v| set(v, "/components/0/resources/memory", json!("1GB")),
        &[("components[0].resources.memory", "not a memory amount")],
    );
    check(
        "relative volume path",
        |v| set(v, "/components/0/volumes/0/path", json!("var/lib/mysql")),
        &[("components[0].volumes[0].path", "absolute path")],
    );
    check(
        "volume size",
        |v| set(v, "/components/0/volumes/0/size", json!("big")),
        &[("components[0].volumes[0].size", "not a size")],
    );
    check(
        "config file escaping the package",
        |v| {
            set(
                v,
                "/components/0/configFiles/0/source",
                json!("../secrets.cnf"),
            )
        },
        &[(
            "components[0].configFiles[0].source",
            "relative path inside the package",
        )],
    );
    check(
        "probe with two kinds",
        |v| {
            v["components"][0]["probes"]["readiness"]["exec"] = json!({"command": ["true"]});
        },
        &[("components[0].probes.readiness", "exactly one of")],
    );
    check(
        "probe on an unknown port name",
        |v| {
            set(
                v,
                "/components/1/probes/readiness/http/port",
                json!("admin"),
            )
        },
        &[(
            "components[1].probes.readiness.http.port",
            "no port named `admin`",
        )],
    );
    check(
        "probe path",
        |v| {
            set(
                v,
                "/components/1/probes/readiness/http/path",
                json!("healthz"),
            )
        },
        &[(
            "components[1].probes.readiness.http.path",
            "must start with `/`",
        )],
    );
    check(
        "unknown plugin",
        |v| set(v, "/components/0/plugins/0/name", json!("node-exporter")),
        &[(
            "components[0].plugins[0].name",
            "no plugin named `node-exporter`",
        )],
    );
    check(
        "unknown dependency",
        |v| set(v, "/components/1/dependsOn/0", json!("redis")),
        &[("components[1].dependsOn[0]", "no component named `redis`")],
    );
    check(
        "dependency cycle",
        |v| {
            v["components"][0]["dependsOn"] = json!(["api"]);
        },
        &[(
            "components[1].dependsOn",
            "dependency cycle: mysql -> api -> mysql",
        )],
    );
    check(
        "empty init command",
        |v| set(v, "/components/0/init/0/command", json!([])),
        &[("components[0].init[0].command", "must not be empty")],
    );
}

#[test]
fn reference_rules() {
    check(
        "unknown parameter",
        |v| {
            set(
                v,
                "/components/0/env/MYSQL_ROOT_PASSWORD",
                json!("${params.root_pw}"),
            )
        },
        &[(
            "components[0].env.MYSQL_ROOT_PASSWORD",
            "unknown parameter `root_pw` (known: admin_password, domain, retention_days)",
        )],
    );
    check(
        "unknown port",
        |v| {
            set(
                v,
                "/configGroups/0/env/DB_PORT",
                json!("${components.mysql.ports.sql}"),
            )
        },
        &[(
            "configGroups[0].env.DB_PORT",
            "has no port named `sql` (known: mysql)",
        )],
    );
    check(
        "unknown namespace of reference",
        |v| set(v, "/plugins/0/env/DATA_SOURCE_NAME", json!("${env.DSN}")),
        &[(
            "plugins[0].env.DATA_SOURCE_NAME",
            "unknown reference `${env.DSN}`",
        )],
    );
    check(
        "unclosed",
        |v| v["components"][1]["env"] = json!({"URL": "http://${components.mysql.host"}),
        &[("components[1].env.URL", "unclosed `${`")],
    );
    check(
        "escaped is fine",
        |v| v["components"][1]["env"] = json!({"TPL": "$${not.a.reference}"}),
        &[],
    );
    check(
        "ingress host",
        |v| set(v, "/ingress/http/0/host", json!("${params.host}")),
        &[("ingress.http[0].host", "unknown parameter `host`")],
    );
    check(
        "ingress port",
        |v| set(v, "/ingress/http/0/port", json!("grpc")),
        &[("ingress.http[0].port", "no port named `grpc`")],
    );
    check(
        "one stream port for tcp and udp",
        |v| {
            v["ingress"]["stream"].as_array_mut().unwrap().push(json!({"port": 33306, "protocol": "udp", "component": "mysql", "targetPort": "mysql"}));
        },
        &[],
    );
    check(
        "stream port twice",
        |v| {
            v["ingress"]["stream"]
                .as_array_mut()
                .unwrap()
                .push(json!({"port": 33306, "component": "mysql", "targetPort": "mysql"}));
        },
        &[(
            "ingress.stream[1].port",
            "port 33306 (tcp) is already routed by `ingress.stream[0]`",
        )],
    );
    check(
        "stream target port",
        |v| set(v, "/ingress/stream/0/targetPort", json!("x")),
        &[("ingress.stream[0].targetPort", "no port named `x`")],
    );
    check(
        "migration from",
        |v| set(v, "/migrations/0/from", json!("before 1.2")),
        &[("migrations[0].from", "not a semver requirement")],
    );
    check(
        "migration component",
        |v| set(v, "/migrations/0/component", json!("db")),
        &[("migrations[0].component", "no component named `db`")],
    );
    check(
        "config group component",
        |v| set(v, "/configGroups/0/components/1", json!("workers")),
        &[(
            "configGroups[0].components[1]",
            "no component named `workers`",
        )],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let got = problems(|v| {
        set(v, "/version", json!("latest"));
        set(v, "/components/0/ports/0/port", json!(0));
        set(v, "/components/1/dependsOn/0", json!("postgres"));
        set(v, "/ingress/http/0/host", json!("${params.nope}"));
    });
    let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "version",
            "components[0].ports[0].port",
            "components[1].dependsOn[0]",
            "ingress.http[0].host"
        ],
        "{got:?}"
    );
}

#[test]
fn json_schema_describes_the_format() {
    let schema = souk_schema::schema::template_v1();
    assert_eq!(schema["title"], "souk template v1");
    assert_eq!(schema["additionalProperties"], false);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in ["apiVersion", "kind", "name", "version", "components"] {
        assert!(required.contains(&field), "{field} should be required");
    }
    assert!(schema["properties"]["configGroups"].is_object());
}

/// Shape errors do not stop at the first: every unknown field and wrong type, at
/// any depth, in document order, each with its path (and a "did you mean").
#[test]
fn every_shape_error_is_reported_at_once() {
    let text = "\
apiVersion: souk/v1
kind: Template
name: acme/wms
version: 1.0.0
title: t
summery: s
category: iot
tags: warehouse
components:
  - name: web
    imag: nginx:1
    replicas: two
    ports:
      - {name: http, port: 80, protocl: tcp}
      - {name: admin, port: eighty}
    probes:
      readiness: {http: {path: /, port: [1]}, periodSecond: 5}
  - name: db
    image: postgres:16
    stateful: maybe
    env: {PORT: 5432, LIST: [1, 2]}
ingress:
  http:
    - {host: a.example.com, component: web, port: http, weight: 3}
";
    let got: Vec<(String, String)> = parse(text)
        .unwrap_err()
        .0
        .into_iter()
        .map(|p| (p.path, p.message))
        .collect();
    let expected = [
        (
            "summery",
            "unknown field `summery`, did you mean `summary`?",
        ),
        (
            "tags",
            "invalid type: string \"warehouse\", expected a list",
        ),
        ("components[0].imag", "did you mean `image`?"),
        (
            "components[0].replicas",
            "invalid type: string \"two\", expected a whole number",
        ),
        ("components[0].ports[0].protocl", "did you mean `protocol`?"),
        (
            "components[0].ports[1].port",
            "invalid type: string \"eighty\"",
        ),
        (
            "components[0].probes.readiness.http.port",
            "expected a port number or the name",
        ),
        (
            "components[0].probes.readiness.periodSecond",
            "did you mean `periodSeconds`?",
        ),
        ("components[0]", "missing field `image`"),
        ("components[1].stateful", "expected true or false"),
        (
            "components[1].env.LIST",
            "expected a string, number or boolean",
        ),
        (
            "ingress.http[0].weight",
            "unknown field `weight`, expected one of",
        ),
        ("", "missing field `summary`"),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((path, msg), (want_path, want_msg)) in got.iter().zip(expected) {
        assert_eq!(path, want_path, "{got:#?}");
        assert!(
            msg.contains(want_msg),
            "`{msg}` should contain `{want_msg}`"
        );
    }
    // serde located the first one in the text
    assert!(got[0].1.contains("line 6"), "{}", got[0].1);
}

/// Past the shape errors, the rules are checked on what is well-formed.
#[test]
fn rules_are_checked_past_shape_errors() {
    let mut v = example();
    v["summery"] = json!("x");
    v["components"][0]["name"] = json!("Not A Name");
    let p = souk_schema::validate::parse_and_validate(&v.to_string(), None).unwrap_err();
    let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"summery"), "{p:?}");
    assert!(paths.contains(&"components[0].name"), "{p:?}");
}
