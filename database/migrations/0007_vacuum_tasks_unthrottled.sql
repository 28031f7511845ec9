-- 0007_vacuum_tasks_unthrottled: pgqueue.tasks is a queue table: every task is one insert and one delete, so its dead
-- rows arrive as fast as tasks complete, whatever the backlog. Vacuum it after a fixed number of dead rows (not a
-- share of a table whose size is just the current backlog) and without cost throttling, so each autovacuum visit
-- clears what piled up since the last one and the freed space is reused instead of the table and its indexes
-- growing (bench/scale measures it: bloat.md). fillfactor 90 from 0001 stays: fail_task's updates stay HOT.
-- Not breaking: storage parameters only.
ALTER TABLE pgqueue.tasks SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_cost_delay = 0
);
