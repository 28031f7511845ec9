-- dequeue_task
-- Returns the batch's head task (lowest id), row-locked in the caller's transaction, if it is runnable now;
-- zero rows if the batch is empty or its head is locked by another transaction or waiting for run_after.
-- Raises PQ001 if lease_token does not hold the batch, PQ002 on an invalid batch_id, PQ004 on a null token.
--
-- Called once per task, so it is written for speed: two statements, both key lookups, on the way to a task. The
-- argument checks run only when the lease lookup fails (a batch row exists only under a valid id, and a null token
-- matches nothing), so the errors are the same as if they ran first.
CREATE OR REPLACE FUNCTION pgqueue.dequeue_task(batch_id text, lease_token bigint)
RETURNS TABLE (task_id bigint, task_type text, payload jsonb, attempts integer, enqueued_at timestamptz)
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
  v_token bigint;
  v_expires_at timestamptz;
BEGIN
  -- A plain read, no row lock: the task may run for minutes and the lease must stay renewable meanwhile. The lease
  -- is compared here, not in the WHERE clause: a volatile clock_timestamp() there is evaluated for every row a
  -- sequential scan of a small batches table visits.
  SELECT b.lease_token, b.lease_expires_at INTO v_token, v_expires_at
    FROM pgqueue.batches AS b
   WHERE b.batch_id = dequeue_task.batch_id;
  IF v_token IS NULL OR dequeue_task.lease_token IS NULL OR v_token <> dequeue_task.lease_token
     OR v_expires_at <= clock_timestamp() THEN
    PERFORM pgqueue._check_batch_id(dequeue_task.batch_id);
    PERFORM pgqueue._check_lease_token(dequeue_task.lease_token);
    PERFORM pgqueue._lease_lost(dequeue_task.batch_id, dequeue_task.lease_token);
  END IF;

  -- Lock exactly the head. "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED" would hand out the next task while the
  -- head is locked (a slow former owner still running it), breaking FIFO: a locked head means "nothing now".
  -- The head lookup uses the range form (see _head_task's note); it runs once, before the row is locked.
  RETURN QUERY
  SELECT t.id, t.task_type, t.payload, t.attempts, t.enqueued_at
    FROM pgqueue.tasks AS t
   WHERE t.id = (SELECT h.id
                   FROM pgqueue.tasks AS h
                  WHERE h.batch_id >= dequeue_task.batch_id AND h.batch_id <= dequeue_task.batch_id
                  ORDER BY h.batch_id, h.id
                  LIMIT 1)
     AND (t.run_after IS NULL OR t.run_after <= clock_timestamp())
     FOR UPDATE SKIP LOCKED;
END
$$;

COMMENT ON FUNCTION pgqueue.dequeue_task(text, bigint) IS
  'Returns the batch''s head task (lowest id), row-locked in the caller''s transaction, if it is runnable now; zero rows if the batch is empty or its head is locked or waiting for run_after.';
ALTER FUNCTION pgqueue.dequeue_task(text, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.dequeue_task(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.dequeue_task(text, bigint) TO pgqueue_worker;
