-- The registry's first schema. Plain SQL types only, so that
-- `migrations/postgres` mirrors it column for column (INTEGER PRIMARY KEY
-- becomes a BIGINT identity there; TIMESTAMP holds UTC).

-- Market categories; the defaults are seeded by the server at start.
CREATE TABLE categories (
    slug VARCHAR(63) PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    position INTEGER NOT NULL
);

-- One row per `namespace/name`.
CREATE TABLE templates (
    id INTEGER PRIMARY KEY NOT NULL,
    namespace VARCHAR(63) NOT NULL,
    name VARCHAR(63) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- time of the last publish; browsing sorts by it
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (namespace, name)
);

-- One row per published version. Immutable except `yanked`. Title, summary,
-- category, tags and readme are the version's search document fields.
CREATE TABLE versions (
    id INTEGER PRIMARY KEY NOT NULL,
    template_id INTEGER NOT NULL REFERENCES templates (id),
    -- canonical semver text (build metadata is rejected at validation)
    version VARCHAR(255) NOT NULL,
    digest VARCHAR(71) NOT NULL,
    size BIGINT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    category VARCHAR(63) NOT NULL REFERENCES categories (slug),
    -- JSON array of strings
    tags TEXT NOT NULL,
    -- `upgrade.from` requirement; NULL = any older version
    upgrade_from TEXT,
    -- path of the icon inside the package, if any
    icon TEXT,
    -- the normalised manifest, as JSON
    manifest TEXT NOT NULL,
    readme TEXT,
    changelog TEXT,
    yanked BOOLEAN NOT NULL DEFAULT FALSE,
    published_at TIMESTAMP NOT NULL,
    UNIQUE (template_id, version)
);

CREATE INDEX versions_category ON versions (category);

-- The feed agents follow, written in the same transaction as the change it
-- reports (an outbox). `id` is the cursor; AUTOINCREMENT so that an id is
-- never handed out twice.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- published | yanked | unyanked
    kind VARCHAR(32) NOT NULL,
    template_id INTEGER NOT NULL REFERENCES templates (id),
    -- `namespace/name`, kept with the event so that filtering needs no join
    template VARCHAR(127) NOT NULL,
    version VARCHAR(255) NOT NULL,
    digest VARCHAR(71) NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX events_template ON events (template, id);

-- API tokens; only the sha256 of a token is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    -- space-separated scopes: admin, publish:<ns>, publish:*, read, agent
    scopes TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
