-- rerun_task
-- Enqueues a copy of a retained completed task or of a dead task (payload, type, max attempts; no dedup key) at
-- the end of its batch and returns the new id; a dead original leaves dead_tasks, a completed one stays in history.
-- Raises PQ003 if the task is pending, unknown or no longer retained, PQ004 on a null task_id.
CREATE OR REPLACE FUNCTION pgqueue.rerun_task(task_id bigint)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_original record;
BEGIN
  IF rerun_task.task_id IS NULL THEN
    PERFORM pgqueue._invalid_argument('task_id must not be null');
  END IF;

  -- A dead original leaves dead_tasks, so a later retry_dead_tasks cannot run it a second time.
  DELETE FROM pgqueue.dead_tasks AS d
   WHERE d.id = rerun_task.task_id
  RETURNING d.batch_id, d.task_type, d.payload, d.max_attempts INTO v_original;
  IF NOT FOUND THEN
    SELECT h.batch_id, h.task_type, h.payload, h.max_attempts
      INTO v_original
      FROM pgqueue.completed_tasks_history AS h
     WHERE h.id = rerun_task.task_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'PQ003',
        MESSAGE = CASE WHEN EXISTS (SELECT 1 FROM pgqueue.tasks AS t WHERE t.id = rerun_task.task_id)
                       THEN format('task %s is still pending', rerun_task.task_id)
                       ELSE format('task %s not found among completed or dead tasks', rerun_task.task_id) END,
        HINT = 'only a dead task, or a completed one while pgqueue.settings.keep_completed retains it, can be rerun';
    END IF;
  END IF;

  RETURN pgqueue.enqueue(batch_id => v_original.batch_id, payload => v_original.payload,
                         task_type => v_original.task_type, max_attempts => v_original.max_attempts);
END
$$;

COMMENT ON FUNCTION pgqueue.rerun_task(bigint) IS
  'Enqueues a copy of a retained completed task or of a dead task at the end of its batch and returns the new id; a dead original leaves dead_tasks, a completed one stays in history.';
ALTER FUNCTION pgqueue.rerun_task(bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.rerun_task(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.rerun_task(bigint) TO pgqueue_admin;
