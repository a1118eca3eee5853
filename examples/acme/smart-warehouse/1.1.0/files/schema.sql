-- Smart Warehouse schema (loaded once at install by the souk agent)
CREATE TABLE IF NOT EXISTS location (
  code        VARCHAR(32) PRIMARY KEY,
  zone        VARCHAR(16) NOT NULL,
  temp_min    DECIMAL(5,2),
  temp_max    DECIMAL(5,2),
  created_at  TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS item (
  epc         CHAR(24) PRIMARY KEY,
  sku         VARCHAR(64) NOT NULL,
  location    VARCHAR(32),
  last_seen   TIMESTAMP NULL,
  INDEX idx_item_sku (sku)
);
CREATE TABLE IF NOT EXISTS shipment (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  ref         VARCHAR(64) NOT NULL UNIQUE,
  carrier     VARCHAR(64),
  status      ENUM('planned','loading','in_transit','delivered','exception') NOT NULL,
  updated_at  TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS reading (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  reader      VARCHAR(64) NOT NULL,
  epc         CHAR(24),
  temperature DECIMAL(5,2),
  humidity    DECIMAL(5,2),
  at          TIMESTAMP(3) NOT NULL,
  INDEX idx_reading_at (at)
);
CREATE TABLE IF NOT EXISTS alert (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  kind        VARCHAR(32) NOT NULL,
  subject     VARCHAR(64) NOT NULL,
  message     VARCHAR(512) NOT NULL,
  raised_at   TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  acked_at    TIMESTAMP NULL
);
