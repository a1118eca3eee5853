-- Insight Dashboards: ClickHouse schema (run once at install)
CREATE DATABASE IF NOT EXISTS insight;

CREATE TABLE IF NOT EXISTS insight.events
(
  ts      DateTime64(3, 'Asia/Shanghai'),
  site    LowCardinality(String),
  metric  LowCardinality(String),
  value   Float64,
  labels  Map(String, String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, metric, ts)
TTL toDateTime(ts) + INTERVAL 365 DAY;
