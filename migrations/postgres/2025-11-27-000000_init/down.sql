DROP TABLE api_tokens;
DROP INDEX IF EXISTS events_template;
DROP TABLE events;
DROP INDEX IF EXISTS versions_category;
DROP TABLE versions;
DROP TABLE templates;
DROP TABLE categories;
