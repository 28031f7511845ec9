-- completed_tasks
-- One row per completed task still retained (pgqueue.settings.keep_completed), with payload: for admins.
CREATE OR REPLACE VIEW pgqueue.completed_tasks AS
SELECT h.id AS task_id,
       h.batch_id,
       h.task_type,
       h.payload,
       h.attempts,
       h.max_attempts,
       h.enqueued_at,
       h.completed_at
  FROM pgqueue.completed_tasks_history AS h;

ALTER VIEW pgqueue.completed_tasks OWNER TO pgqueue_owner;
REVOKE ALL ON pgqueue.completed_tasks FROM PUBLIC;
GRANT SELECT ON pgqueue.completed_tasks TO pgqueue_admin;
