-- setup_pending.sql: an empty queue, then :pending pending tasks spread round-robin over :batches batches
-- ('pending-1' ...), every batch runnable (head due now). Written with INSERT ... SELECT (one statement per table,
-- far faster than the functions for a million rows) and kept consistent with what enqueue/enqueue_many leave:
-- ids from pgqueue.task_id_seq in insertion order, max_attempts from settings, and on each batch row head_due_at set
-- to the moment its first task arrived (_note_new_work), no lease, not paused.
\set ON_ERROR_STOP on
TRUNCATE pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks;

INSERT INTO pgqueue.batches (batch_id, head_due_at)
SELECT 'pending-' || b, clock_timestamp()
  FROM generate_series(1, :batches) AS b;

INSERT INTO pgqueue.tasks (id, batch_id, payload, max_attempts)
SELECT nextval('pgqueue.task_id_seq'), 'pending-' || (1 + (g - 1) % :batches), jsonb_build_object('n', g),
       (SELECT s.max_attempts FROM pgqueue.settings AS s)
  FROM generate_series(1, :pending) AS g
 ORDER BY g;
