ALTER TABLE releases DROP COLUMN requirement;
