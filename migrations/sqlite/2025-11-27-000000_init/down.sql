DROP TABLE api_tokens;
DROP INDEX events_template;
DROP TABLE events;
DROP INDEX versions_category;
DROP TABLE versions;
DROP TABLE templates;
DROP TABLE categories;
