-- complete_task
-- Deletes a finished task (moves it into retained history when pgqueue.settings.keep_completed is set); it commits
-- with the caller's transaction, strictly under the live lease.
-- Raises PQ001 if the lease is lost (fencing), PQ003 if the task is not this lease's head task, PQ004 on nulls.
CREATE OR REPLACE FUNCTION pgqueue.complete_task(task_id bigint, lease_token bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  -- Checks the lease and keeps the batch row share-locked to commit: a takeover cannot slip in between.
  PERFORM pgqueue._head_task(complete_task.task_id, complete_task.lease_token);
  IF (SELECT s.keep_completed FROM pgqueue.settings AS s) IS NULL THEN
    -- History off (the default): completing stays one delete.
    DELETE FROM pgqueue.tasks AS t WHERE t.id = complete_task.task_id;
  ELSE
    WITH completed AS (
      DELETE FROM pgqueue.tasks AS t
       WHERE t.id = complete_task.task_id
      RETURNING t.*
    )
    INSERT INTO pgqueue.completed_tasks_history (id, batch_id, task_type, payload, dedup_key, attempts, max_attempts,
                                                 enqueued_at, completed_at)
    SELECT c.id, c.batch_id, c.task_type, c.payload, c.dedup_key, c.attempts, c.max_attempts, c.enqueued_at,
           clock_timestamp()
      FROM completed AS c;
  END IF;
END
$$;

COMMENT ON FUNCTION pgqueue.complete_task(bigint, bigint) IS
  'Deletes a finished task (into retained history when keep_completed is set); it commits with the caller''s transaction, strictly under the live lease.';
ALTER FUNCTION pgqueue.complete_task(bigint, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.complete_task(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.complete_task(bigint, bigint) TO pgqueue_worker;
