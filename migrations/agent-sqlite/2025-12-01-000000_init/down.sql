DROP TABLE journal;
DROP TABLE init_jobs;
DROP TABLE revisions;
DROP TABLE releases;
