-- Storage settings the migrations choose for the queue's two hot tables (0001, 0003, 0007; bench/scale/bloat.md
-- shows why): tasks is vacuumed after a fixed number of dead rows, unthrottled; batches likewise, and both leave
-- room on their pages for updates.
BEGIN;
SELECT plan(2);

CREATE FUNCTION pg_temp.storage_settings(relation regclass) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(o ORDER BY o) FROM pg_catalog.pg_class AS c CROSS JOIN unnest(c.reloptions) AS o WHERE c.oid = relation
$$;

SELECT is(pg_temp.storage_settings('pgqueue.tasks'),
          ARRAY['autovacuum_vacuum_cost_delay=0', 'autovacuum_vacuum_insert_scale_factor=0.02',
                'autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=5000', 'fillfactor=90'],
          'tasks: fillfactor 90, vacuumed after 5000 dead rows whatever the backlog, without cost delay');
SELECT is(pg_temp.storage_settings('pgqueue.batches'),
          ARRAY['autovacuum_analyze_scale_factor=0.05', 'autovacuum_vacuum_cost_delay=0',
                'autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=500', 'fillfactor=70'],
          'batches: fillfactor 70, vacuumed after 500 dead rows, without cost delay');

SELECT * FROM finish();
ROLLBACK;
