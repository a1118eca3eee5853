-- Insight Dashboards: ClickHouse schema (run once at install)
CREATE DATABASE IF NOT EXISTS insight;

CREATE TABLE IF NOT EXISTS insight.events
(
  ts      DateTime64(3, 'Asia/Shanghai'),
  site    LowCardinality(String),
  metric  LowCardinality(String),
  value   Float64,
  labels  Map(String, String),
  source  LowCardinality(String) DEFAULT 'app',
  tenant  LowCardinality(String) DEFAULT 'default'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant, site, metric, ts)
TTL toDateTime(ts) + INTERVAL 365 DAY;

CREATE TABLE IF NOT EXISTS insight.events_hourly
(
  hour    DateTime,
  tenant  LowCardinality(String),
  site    LowCardinality(String),
  metric  LowCardinality(String),
  n       UInt64,
  sum     Float64,
  min     SimpleAggregateFunction(min, Float64),
  max     SimpleAggregateFunction(max, Float64)
)
ENGINE = SummingMergeTree
ORDER BY (tenant, site, metric, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS insight.events_hourly_mv TO insight.events_hourly AS
SELECT toStartOfHour(ts) AS hour, tenant, site, metric,
       count() AS n, sum(value) AS sum, min(value) AS min, max(value) AS max
FROM insight.events
GROUP BY hour, tenant, site, metric;
