CREATE DATABASE IF NOT EXISTS coldchain PRECISION 'ms' DURATION 10 KEEP 365;
USE coldchain;
CREATE STABLE IF NOT EXISTS telemetry (
  ts TIMESTAMP,
  temperature FLOAT,
  humidity FLOAT,
  door BOOL,
  lat DOUBLE,
  lon DOUBLE
) TAGS (vehicle NCHAR(32), container NCHAR(32), profile NCHAR(16));
CREATE STABLE IF NOT EXISTS excursion (
  ts TIMESTAMP,
  peak FLOAT,
  duration_s INT,
  acknowledged BOOL
) TAGS (vehicle NCHAR(32), shipment NCHAR(64));
