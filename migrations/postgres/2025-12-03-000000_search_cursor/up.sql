-- How far an external search index (Meilisearch) has been fed from the event
-- outbox: the id of the last event whose template it holds, per index.
-- Expand only: the server before this migration never reads it.
CREATE TABLE search_cursors (
    -- the Meilisearch index uid; a new index starts from scratch
    index_uid TEXT PRIMARY KEY NOT NULL,
    event_id BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
