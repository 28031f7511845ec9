-- pending_tasks
-- One row per pending task, with payload, attempts and last error: for admins.
CREATE OR REPLACE VIEW pgqueue.pending_tasks AS
SELECT t.id AS task_id,
       t.batch_id,
       t.task_type,
       t.payload,
       t.dedup_key,
       t.attempts,
       t.max_attempts,
       t.enqueued_at,
       t.run_after,
       t.last_error,
       t.last_failed_at
  FROM pgqueue.tasks AS t;

ALTER VIEW pgqueue.pending_tasks OWNER TO pgqueue_owner;
REVOKE ALL ON pgqueue.pending_tasks FROM PUBLIC;
GRANT SELECT ON pgqueue.pending_tasks TO pgqueue_admin;
