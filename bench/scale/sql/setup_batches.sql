-- setup_batches.sql: an empty queue, then :total batches of which :runnable ('run-1' ...) hold :runnable_tasks
-- runnable tasks each and the rest ('idle-1' ...) are idle, in turn (i % 5):
--   0 empty: drained, head_due_at NULL (known empty);
--   1 holding only a dead task (a row in dead_tasks, nothing pending), head_due_at NULL;
--   2 paused, with a pending task;
--   3 head delayed: its only task has run_after a day ahead, head_due_at = that run_after;
--   4 leased by another (live) worker for a day, with a pending task.
-- These are the states DESIGN.md calls idle ("nothing to do"), plus leased batches. Rows are written with
-- INSERT ... SELECT, consistent with what the functions leave (see setup_pending.sql).
\set ON_ERROR_STOP on
TRUNCATE pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks;

INSERT INTO pgqueue.batches (batch_id, head_due_at)
SELECT 'run-' || r, clock_timestamp()
  FROM generate_series(1, :runnable) AS r;

INSERT INTO pgqueue.tasks (id, batch_id, payload, max_attempts)
SELECT nextval('pgqueue.task_id_seq'), 'run-' || r, jsonb_build_object('n', g),
       (SELECT s.max_attempts FROM pgqueue.settings AS s)
  FROM generate_series(1, :runnable) AS r CROSS JOIN generate_series(1, :runnable_tasks) AS g
 ORDER BY r, g;

INSERT INTO pgqueue.batches (batch_id, paused, head_due_at, lease_token, lease_owner, lease_expires_at)
SELECT 'idle-' || i,
       i % 5 = 2,
       CASE i % 5 WHEN 2 THEN clock_timestamp() WHEN 3 THEN now() + interval '1 day' WHEN 4 THEN clock_timestamp() END,
       CASE WHEN i % 5 = 4 THEN nextval('pgqueue.lease_token_seq') END,
       CASE WHEN i % 5 = 4 THEN 'bench-other-worker' END,
       CASE WHEN i % 5 = 4 THEN now() + interval '1 day' END
  FROM generate_series(1, :total - :runnable) AS i;

INSERT INTO pgqueue.tasks (id, batch_id, payload, max_attempts, run_after)
SELECT nextval('pgqueue.task_id_seq'), 'idle-' || i, jsonb_build_object('n', i),
       (SELECT s.max_attempts FROM pgqueue.settings AS s),
       CASE WHEN i % 5 = 3 THEN now() + interval '1 day' END
  FROM generate_series(1, :total - :runnable) AS i
 WHERE i % 5 IN (2, 3, 4)
 ORDER BY i;

INSERT INTO pgqueue.dead_tasks (id, batch_id, payload, attempts, max_attempts, enqueued_at, last_error)
SELECT nextval('pgqueue.task_id_seq'), 'idle-' || i, jsonb_build_object('n', i), 5, 5, now(), 'bench: used up'
  FROM generate_series(1, :total - :runnable) AS i
 WHERE i % 5 = 1
 ORDER BY i;
