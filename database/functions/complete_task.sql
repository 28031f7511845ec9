-- complete_task
-- Deletes a finished task (moves it into retained history when pgqueue.settings.keep_completed is set); it commits
-- with the caller's transaction, strictly under the live lease.
-- Raises PQ001 if the lease is lost (fencing), PQ003 if the task is not this lease's head task, PQ004 on nulls.
--
-- Called once per task, so the usual case is four plain statements, all key lookups (bench/RESULTS.md): lock the
-- task, share-lock the batch row and read its lease, read the head and the history setting, delete. Anything
-- unusual goes through _head_task, which checks in the documented order and raises the matching error.
CREATE OR REPLACE FUNCTION pgqueue.complete_task(task_id bigint, lease_token bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
-- Key lookups only, however small the tables: on a queue of a few pages the planner's generic plans scan batches,
-- settings and tasks sequentially (comparing every row, sorting, and asking the kernel for each table's size on every
-- call), which cost a quarter of the server's time per task. database/tests/pgtap/21_hot_path_key_lookups.sql.
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v_batch_id text;
  v_token bigint;
  v_expires_at timestamptz;
  v_head_id bigint;
  v_keep interval;
BEGIN
  -- The fast path: our own row lock (taken by dequeue_task in this transaction) is no obstacle.
  SELECT t.batch_id INTO v_batch_id
    FROM pgqueue.tasks AS t
   WHERE t.id = complete_task.task_id
     FOR UPDATE SKIP LOCKED;
  IF FOUND THEN
    -- Share-lock the batch row to commit: a takeover cannot slip in between the check and the commit.
    SELECT b.lease_token, b.lease_expires_at INTO v_token, v_expires_at
      FROM pgqueue.batches AS b
     WHERE b.batch_id = v_batch_id
       FOR SHARE OF b;
    IF v_token = complete_task.lease_token AND v_expires_at > clock_timestamp() THEN
      SELECT (SELECT h.id
                FROM pgqueue.tasks AS h
               WHERE h.batch_id >= v_batch_id AND h.batch_id <= v_batch_id
               ORDER BY h.batch_id, h.id
               LIMIT 1),
             (SELECT s.keep_completed FROM pgqueue.settings AS s WHERE s.singleton)
        INTO v_head_id, v_keep;
    END IF;
  END IF;
  IF v_head_id IS NULL OR complete_task.task_id IS NULL OR v_head_id <> complete_task.task_id THEN
    -- Something is off (a null argument, an unknown or foreign-locked task, a lost lease, a redriven head):
    -- _head_task checks in the documented order and raises the matching error.
    PERFORM pgqueue._head_task(complete_task.task_id, complete_task.lease_token);
    v_keep := (SELECT s.keep_completed FROM pgqueue.settings AS s WHERE s.singleton);
  END IF;

  IF v_keep IS NULL THEN
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
