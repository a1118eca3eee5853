-- The souk agent's state on a customer site: its releases, every revision
-- applied to them, the init jobs already run, and the operation in progress.

CREATE TABLE releases (
    name TEXT PRIMARY KEY NOT NULL,
    template TEXT NOT NULL,
    -- The revision that runs (the last healthy one); NULL until an install succeeds.
    current_revision BIGINT,
    -- installing | healthy | upgrading | failed | rolled_back
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);

CREATE TABLE revisions (
    release TEXT NOT NULL REFERENCES releases (name) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    version TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- Parameter values as JSON, secrets included: the agent needs them to
    -- render the next version. The database file is readable by its owner only.
    vals TEXT NOT NULL,
    -- The rendered DesiredState as JSON.
    rendered TEXT NOT NULL,
    -- pending | deployed | superseded | failed | interrupted
    outcome TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (release, number)
);

CREATE TABLE init_jobs (
    release TEXT NOT NULL REFERENCES releases (name) ON DELETE CASCADE,
    component TEXT NOT NULL,
    job TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (release, component, job)
);

-- At most one operation in progress per release: what an agent restarted
-- after a crash finishes or rolls back.
CREATE TABLE journal (
    release TEXT PRIMARY KEY NOT NULL REFERENCES releases (name) ON DELETE CASCADE,
    -- install | upgrade | rollback
    operation TEXT NOT NULL,
    from_revision BIGINT,
    to_revision BIGINT NOT NULL,
    -- JSON [{component, volume, file}]: volume snapshots taken before migrations.
    snapshots TEXT NOT NULL DEFAULT '[]',
    started_at TEXT NOT NULL
);
