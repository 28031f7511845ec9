-- 0006_completed_task_history: optional history of completed tasks, so rerun_task can re-fire one. Off by default
-- (keep_completed NULL): complete_task then stays one delete. Not breaking: a nullable setting and a new table.
ALTER TABLE pgqueue.settings ADD COLUMN IF NOT EXISTS keep_completed interval
  CHECK (keep_completed IS NULL OR keep_completed > interval '0');

-- Completed tasks under their original id while keep_completed retains them; reap_stale_locks trims the rest.
CREATE TABLE pgqueue.completed_tasks_history (
  id            bigint PRIMARY KEY,
  batch_id      text NOT NULL,
  task_type     text,
  payload       jsonb NOT NULL,
  dedup_key     text,
  attempts      integer NOT NULL,
  max_attempts  integer NOT NULL,
  enqueued_at   timestamptz NOT NULL,
  completed_at  timestamptz NOT NULL DEFAULT now()
);
-- Trimming reads the oldest first, in bounded chunks.
CREATE INDEX completed_tasks_history_completed_at_idx ON pgqueue.completed_tasks_history (completed_at);

ALTER TABLE pgqueue.completed_tasks_history OWNER TO pgqueue_owner;
