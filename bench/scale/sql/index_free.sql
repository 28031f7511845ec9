-- index_free.sql: bytes of pgqueue.tasks' index files that are free pages (deleted or empty, which btree hands out
-- again on its next page split), by pgstattuple's pgstatindex. What is left of an index's size is the live tree:
-- pending tasks plus the entries of completed ones that no VACUUM has removed yet.
SELECT sum((s.deleted_pages + s.empty_pages) * current_setting('block_size')::bigint)
  FROM pg_index AS i
 CROSS JOIN LATERAL pgstatindex(i.indexrelid::regclass) AS s
 WHERE i.indrelid = 'pgqueue.tasks'::regclass
