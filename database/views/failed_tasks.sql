-- failed_tasks
-- One row per dead task (used up its attempts), with payload, attempts and last error: for admins.
CREATE OR REPLACE VIEW pgqueue.failed_tasks AS
SELECT d.id AS task_id,
       d.batch_id,
       d.task_type,
       d.payload,
       d.dedup_key,
       d.attempts,
       d.max_attempts,
       d.enqueued_at,
       d.failed_at,
       d.last_error
  FROM pgqueue.dead_tasks AS d;

ALTER VIEW pgqueue.failed_tasks OWNER TO pgqueue_owner;
REVOKE ALL ON pgqueue.failed_tasks FROM PUBLIC;
GRANT SELECT ON pgqueue.failed_tasks TO pgqueue_admin;
