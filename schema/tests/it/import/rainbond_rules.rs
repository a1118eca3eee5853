//! The Rainbond importer, rule by rule.

use super::*;

#[test]
fn rainbond_model_is_carried_over_rule_by_rule() {
    let template = json!({
        "group_key": "9f8e7d6c5b4a39281706",
        "group_name": "智慧仓储",
        "group_version": "latest",
        "template_version": "v2",
        "apps": [
            {
                "service_cname": "数据库", "service_alias": "gr123456",
                "service_key": "k-db", "service_share_uuid": "k-db+id-db", "service_id": "id-db",
                "image": "mysql:8.0", "extend_method": "state_multiple",
                "extend_method_map": {"min_node": 3}, "memory": 1024, "container_cpu": 500, "gpu": 1,
                "port_map_list": [
                    {"container_port": 3306, "protocol": "mysql", "is_inner_service": true, "is_outer_service": false},
                    {"container_port": "514", "protocol": "udp", "is_outer_service": true},
                    {"container_port": 3306, "protocol": "tcp"}
                ],
                "service_env_map_list": [
                    {"attr_name": "MYSQL_ROOT_PASSWORD", "attr_value": "**None**"},
                    {"attr_name": "BAD NAME", "attr_value": "x"},
                    {"attr_name": "DATA_DIR", "attr_value": "${HOME}/data"}
                ],
                "service_connect_info_map_list": [
                    {"attr_name": "DB_HOST", "attr_value": "127.0.0.1", "container_port": 3306},
                    {"attr_name": "DB_PORT", "attr_value": "3306", "container_port": 3306},
                    {"attr_name": "DB_PASS", "attr_value": "**None**", "container_port": 0}
                ],
                "service_volume_map_list": [
                    {"volume_type": "config-file", "volume_path": "/etc/mysql/my.cnf", "volume_name": "cnf", "file_content": "[mysqld]\nport=${PORT}\n"},
                    {"volume_type": "memoryfs", "volume_path": "/cache", "volume_name": "cache"},
                    {"volume_type": "share-file", "volume_path": "/var/lib/mysql", "volume_name": "DATA", "volume_capacity": 10}
                ],
                "probes": [
                    {"mode": "liveness", "scheme": "cmd", "cmd": "mysqladmin ping", "period_second": 10},
                    {"mode": "readiness", "scheme": "http", "path": "health", "port": 3306, "http_header": "X-A=1"},
                    {"mode": "ignore", "scheme": "tcp", "port": 3306},
                    {"mode": "readiness", "scheme": "tcp", "port": 3306, "is_used": false},
                    {"mode": "readiness", "scheme": "tcp", "port": 3306}
                ],
                "dep_service_map_list": [{"dep_service_key": "k-web+id-web"}, {"dep_service_key": "nowhere"}],
                "mnt_relation_list": [{"mnt_name": "logs", "mnt_dir": "/logs"}],
                "service_related_plugin_config": [
                    {"plugin_id": "p-init", "plugin_status": true, "attr": [{"attrs": "{\"LEVEL\": \"debug\"}"}]},
                    {"plugin_id": "p-mesh", "plugin_status": false}
                ],
                "component_monitors": [{"name": "m"}],
                "labels": {"tier": "db"}
            },
            {
                "service_cname": "web", "service_key": "k-web", "service_share_uuid": "k-web+id-web",
                "share_image": "registry.example.com/acme/web:1.0", "image": "goodrain.me/runner",
                "extend_method": "cronjob", "cmd": "start --mode 'fast lane'",
                "port_map_list": [{"container_port": 8080, "protocol": "http", "is_outer_service": true}],
                "service_env_map_list": [{"attr_name": "DB_HOST", "attr_value": "db.internal"}],
                "dep_service_map_list": [{"dep_service_key": "k-db+id-db"}]
            },
            {"service_cname": "third", "service_source": "third_party", "service_key": "k-third"}
        ],
        "plugins": [
            {"plugin_id": "p-init", "plugin_key": "init_schema", "category": "init-plugin", "image": "acme/init:1",
             "config_groups": [{"service_meta_type": "un_define", "options": [{"attr_name": "LEVEL", "attr_default_value": "info"}]}]},
            {"plugin_id": "p-mesh", "plugin_key": "mesh", "category": "net-plugin:down", "image": "acme/mesh:1",
             "plugin_image": {"hub_user": "u", "hub_password": "p"}}
        ],
        "app_config_groups": [
            {"name": "共享配置", "injection_type": "env", "config_items": {"TZ": "Asia/Shanghai"},
             "component_keys": ["k-db"], "services": [{"service_cname": "web"}, {"service_key": "k-third"}]},
            {"name": "empty", "config_items": {"A": "1"}, "component_keys": ["nobody"]}
        ],
        "ingress_http_routes": [
            {"component_key": "k-web", "port": 8080, "location": "/shop", "domain": "shop.example.com", "default_domain": false, "ssl": true},
            {"component_key": "nobody", "port": 80}
        ],
        "ingress_stream_routes": [{"component_key": "k-db", "port": 3306, "protocol": "tcp"}]
    });
    let record = json!({
        "app_name": "仓储",
        "describe": "Warehouse management.",
        "details": "# Warehouse\n",
        "version_template": template.to_string(),
    });
    let imported = rainbond::import(&record.to_string(), &Default::default()).unwrap();
    let m = assert_publishable("rainbond rules", &imported);
    let w = |field: &str, fragment: &str| {
        assert_warning(&imported, &format!("version_template.{field}"), fragment)
    };

    assert_eq!(m.name, "imported/app-9f8e7d6c");
    assert_eq!(
        (m.title.as_str(), m.summary.as_str()),
        ("智慧仓储", "Warehouse management.")
    );
    assert_eq!(m.version, "0.1.0");
    w(
        "group_version",
        "`latest` cannot be read as a semantic version",
    );
    assert_eq!(m.readme.as_deref(), Some("README.md"));
    assert_eq!(imported.files["README.md"], b"# Warehouse\n");

    let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["gr123456", "web"]);
    w("apps[2]", "no usable image");

    let db = &m.components[0];
    assert!(db.stateful);
    assert_eq!(db.replicas, 3);
    let res = db.resources.as_ref().unwrap();
    assert_eq!(
        (
            res.memory.as_ref().unwrap().0.as_str(),
            res.cpu.as_ref().unwrap().0.as_str(),
            res.gpu
        ),
        ("1Gi", "500m", Some(1))
    );
    let ports: Vec<(&str, u32, Protocol)> = db
        .ports
        .iter()
        .map(|p| (p.name.as_str(), p.port, p.protocol))
        .collect();
    assert_eq!(
        ports,
        [("mysql", 3306, Protocol::Tcp), ("udp", 514, Protocol::Udp)]
    );
    w("apps[0].port_map_list[2]", "declared twice");

    let secret = param(&m, "mysql_root_password");
    assert_eq!(
        (secret.kind, secret.required, &secret.default),
        (ParamType::Secret, true, &None)
    );
    assert_eq!(
        db.env["MYSQL_ROOT_PASSWORD"],
        "${params.mysql_root_password}"
    );
    assert_eq!(db.env["BAD_NAME"], "x");
    w("apps[0].service_env_map_list[1]", "renamed to `BAD_NAME`");
    assert_eq!(db.env["DATA_DIR"], "$${HOME}/data");
    w("apps[0].service_env_map_list[2]", "written as literal text");

    let web = &m.components[1];
    assert_eq!(web.image, "registry.example.com/acme/web:1.0");
    assert_eq!(web.args, ["start", "--mode", "fast lane"]);
    w("apps[1].extend_method", "`cronjob`");
    assert_eq!(
        web.env["DB_HOST"], "db.internal",
        "the component's own value wins"
    );
    w(
        "apps[0].service_connect_info_map_list[0]",
        "`web` sets `DB_HOST` itself",
    );
    assert_eq!(web.env["DB_PORT"], "${components.gr123456.ports.mysql}");
    assert_eq!(web.env["DB_PASS"], "${params.db_pass}");
    assert_eq!(param(&m, "db_pass").kind, ParamType::Secret);

    assert_eq!(db.config_files[0].path, "/etc/mysql/my.cnf");
    assert_eq!(
        imported.files[&db.config_files[0].source],
        b"[mysqld]\nport=$${PORT}\n"
    );
    w(
        "apps[0].service_volume_map_list[0]",
        "written as literal text",
    );
    w("apps[0].service_volume_map_list[1]", "memory-backed");
    let vols: Vec<(&str, &str, Option<&str>)> = db
        .volumes
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.path.as_str(),
                v.size.as_ref().map(|s| s.0.as_str()),
            )
        })
        .collect();
    assert_eq!(
        vols,
        [
            ("cache", "/cache", None),
            ("data", "/var/lib/mysql", Some("10Gi"))
        ]
    );

    let live = db.probes.liveness.as_ref().unwrap();
    assert_eq!(live.exec.as_ref().unwrap().command, ["mysqladmin", "ping"]);
    assert_eq!(live.period_seconds, Some(10));
    let ready = db.probes.readiness.as_ref().unwrap();
    assert_eq!(ready.http.as_ref().unwrap().path, "/health");
    assert_eq!(
        ready.http.as_ref().unwrap().port,
        PortRef::Name("mysql".into())
    );
    w("apps[0].probes[1]", "HTTP headers");
    w("apps[0].probes[2]", "mode `ignore`");
    w("apps[0].probes[3]", "turned off");
    w("apps[0].probes[4]", "a second readiness probe");

    // db → web and web → db: the cycle is broken where it closes.
    assert_eq!(db.depends_on, ["web"]);
    assert!(web.depends_on.is_empty());
    w("apps[1].dep_service_map_list", "closes a cycle");
    w(
        "apps[0].dep_service_map_list[1]",
        "`nowhere` is not a component",
    );
    w("apps[0].mnt_relation_list[0]", "do not share volumes");
    w("apps[0].component_monitors", "monitors");
    w("apps[0].labels", "labels");

    let kinds: Vec<(&str, PluginKind)> = m
        .plugins
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("init-schema", PluginKind::Init),
            ("mesh", PluginKind::Sidecar)
        ]
    );
    assert_eq!(m.plugins[0].env["LEVEL"], "info");
    assert_eq!(db.plugins.len(), 1);
    assert_eq!(db.plugins[0].name, "init-schema");
    assert_eq!(db.plugins[0].env["LEVEL"], "debug");
    w(
        "apps[0].service_related_plugin_config[1]",
        "turned off for this component",
    );
    w(
        "plugins[1].plugin_image",
        "registry credentials are never carried over",
    );
    w("plugins[1].category", "`net-plugin:down`");

    assert_eq!(m.config_groups.len(), 1);
    let g = &m.config_groups[0];
    assert_eq!(
        (g.name.as_str(), g.components.as_slice()),
        ("config", &["gr123456".to_string(), "web".to_string()][..])
    );
    assert_eq!(g.env["TZ"], "Asia/Shanghai");
    w(
        "app_config_groups[0].services[1]",
        "`k-third` is not a component",
    );
    w("app_config_groups[1]", "applies to no component");

    let http: Vec<(&str, &str, &str)> = m
        .ingress
        .http
        .iter()
        .map(|r| (r.host.as_str(), r.path.as_str(), r.component.as_str()))
        .collect();
    assert_eq!(http, [("shop.example.com", "/shop", "web")]);
    w("ingress_http_routes[0]", "`ssl`");
    w("ingress_http_routes[1]", "`nobody` is not a component");
    let stream: Vec<(u32, Option<Protocol>, &str)> = m
        .ingress
        .stream
        .iter()
        .map(|r| (r.port, r.protocol, r.component.as_str()))
        .collect();
    assert_eq!(
        stream,
        [
            (3306, Some(Protocol::Tcp), "gr123456"),
            (514, Some(Protocol::Udp), "gr123456")
        ]
    );
    w(
        "ingress_stream_routes[0]",
        "Rainbond chose the gateway port",
    );
}
