DROP TABLE search_cursors;
