-- Agents' reports: the latest one per agent, and the releases it named.
-- Expand only: the server before this migration never reads these tables.

CREATE TABLE agent_reports (
    agent_id TEXT PRIMARY KEY NOT NULL,
    agent_version TEXT NOT NULL,
    runtime TEXT NOT NULL,
    reported_at TIMESTAMP NOT NULL
);

CREATE TABLE agent_releases (
    agent_id TEXT NOT NULL REFERENCES agent_reports (agent_id) ON DELETE CASCADE,
    release TEXT NOT NULL,
    -- `namespace/name`, as reported.
    template TEXT NOT NULL,
    version TEXT,
    revision BIGINT,
    -- installing | healthy | upgrading | failed | rolled_back
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (agent_id, release)
);

CREATE INDEX agent_releases_by_template ON agent_releases (template);
