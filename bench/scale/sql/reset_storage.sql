-- reset_storage.sql: PostgreSQL's defaults for pgqueue.tasks and pgqueue.batches (fillfactor 100, the server's
-- autovacuum settings): drops every storage parameter the migrations set, for the "default" side of the bloat study.
\set ON_ERROR_STOP on
DO $$
DECLARE
  v_table regclass;
  v_keys text;
BEGIN
  FOREACH v_table IN ARRAY ARRAY['pgqueue.tasks'::regclass, 'pgqueue.batches'::regclass] LOOP
    SELECT string_agg(split_part(o, '=', 1), ', ') INTO v_keys
      FROM pg_catalog.pg_class AS c CROSS JOIN unnest(c.reloptions) AS o
     WHERE c.oid = v_table;
    IF v_keys IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %s RESET (%s)', v_table, v_keys);
    END IF;
  END LOOP;
END
$$;
