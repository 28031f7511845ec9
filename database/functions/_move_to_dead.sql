-- _move_to_dead
-- Moves a pending task to dead_tasks with its charged attempts and last error. The caller holds the task's row lock.
CREATE OR REPLACE FUNCTION pgqueue._move_to_dead(task_id bigint, attempts integer, error text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
BEGIN
  WITH moved AS (
    DELETE FROM pgqueue.tasks AS t
     WHERE t.id = _move_to_dead.task_id
    RETURNING t.*
  )
  INSERT INTO pgqueue.dead_tasks (id, batch_id, task_type, payload, dedup_key, attempts, max_attempts,
                                  enqueued_at, failed_at, last_error)
  SELECT m.id, m.batch_id, m.task_type, m.payload, m.dedup_key, _move_to_dead.attempts, m.max_attempts,
         m.enqueued_at, pg_catalog.clock_timestamp(), _move_to_dead.error
    FROM moved AS m;
END
$$;

ALTER FUNCTION pgqueue._move_to_dead(bigint, integer, text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._move_to_dead(bigint, integer, text) FROM PUBLIC;
