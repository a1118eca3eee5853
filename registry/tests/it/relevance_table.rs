//! The relevance table: a query and the template it must rank first, over the
//! demo catalog and the relevance test's fixtures. Shared by
//! `registry/tests/it/relevance.rs` and `bench/src/vs_tantivy.rs`.

/// `(query, expected first result)`.
pub const TABLE: &[(&str, &str)] = &[
    // English: exact names and titles, words, tags.
    ("warehouse", "acme/smart-warehouse"),
    ("gitea", "acme/gitea"),
    ("acme/gitea", "acme/gitea"),
    ("smart-warehouse", "acme/smart-warehouse"),
    ("mes", "huayun/mes"),
    ("gateway", "huayun/edge-gateway"),
    ("scada", "northwind/scada-acquisition"),
    ("mysql", "northwind/mysql-ha"),
    ("cold chain", "northwind/cold-chain-monitor"),
    ("dashboards", "northwind/insight-dashboards"),
    ("keycloak", "shieldworks/sso"),
    ("single sign-on", "shieldworks/sso"),
    ("defect detection", "visionlab/defect-detection"),
    ("log audit", "shieldworks/log-audit"),
    ("thingsboard", "huayun/iiot-platform"),
    ("modbus", "northwind/scada-acquisition"),
    ("proxysql", "northwind/mysql-ha"),
    ("wms", "acme/wms-lite"),
    ("rfid", "acme/rfid-tracker"),
    ("opc ua", "acme/opc-ua-bridge"),
    // Misspellings.
    ("wharehouse", "acme/smart-warehouse"),
    ("warehuose", "acme/smart-warehouse"),
    ("gatway", "huayun/edge-gateway"),
    ("dashbaords", "northwind/insight-dashboards"),
    ("keycloack", "shieldworks/sso"),
    ("brigde", "acme/opc-ua-bridge"),
    ("thingsbord", "huayun/iiot-platform"),
    // Prefixes, as typed.
    ("ware", "acme/smart-warehouse"),
    ("mysq", "northwind/mysql-ha"),
    ("gite", "acme/gitea"),
    ("yolo", "visionlab/defect-detection"),
    ("bridg", "acme/opc-ua-bridge"),
    ("single sig", "shieldworks/sso"),
    // Chinese.
    ("仓储", "acme/smart-warehouse"),
    ("物流", "acme/smart-warehouse"),
    ("数据采集", "northwind/scada-acquisition"),
    ("工业网关", "huayun/edge-gateway"),
    ("网关", "huayun/edge-gateway"),
    ("统一身份认证", "shieldworks/sso"),
    ("身份认证", "shieldworks/sso"),
    ("日志审计", "shieldworks/log-audit"),
    ("缺陷检测", "visionlab/defect-detection"),
    ("高可用", "northwind/mysql-ha"),
    ("制造执行", "huayun/mes"),
    ("数据分析", "northwind/insight-dashboards"),
    ("工业物联", "huayun/iiot-platform"),
    ("协议转换", "acme/opc-ua-bridge"),
    ("资产追踪", "acme/rfid-tracker"),
    // Mixed.
    ("MES 系统", "huayun/mes"),
    ("mysql 高可用", "northwind/mysql-ha"),
];
