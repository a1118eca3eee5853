DROP INDEX IF EXISTS agent_releases_by_template;
DROP TABLE agent_releases;
DROP TABLE agent_reports;
