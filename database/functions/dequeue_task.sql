-- dequeue_task
-- Returns the batch's head task (lowest id), row-locked in the caller's transaction, if it is runnable now;
-- zero rows if the batch is empty or its head is locked by another transaction or waiting for run_after.
-- Raises PQ001 if lease_token does not hold the batch, PQ002 on an invalid batch_id, PQ004 on a null token.
CREATE OR REPLACE FUNCTION pgqueue.dequeue_task(batch_id text, lease_token bigint)
RETURNS TABLE (task_id bigint, task_type text, payload jsonb, attempts integer, enqueued_at timestamptz)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_head_id bigint;
BEGIN
  PERFORM pgqueue._check_batch_id(dequeue_task.batch_id);
  PERFORM pgqueue._check_lease_token(dequeue_task.lease_token);

  -- A plain read, no row lock: the task may run for minutes and the lease must stay renewable meanwhile.
  PERFORM 1
     FROM pgqueue.batches AS b
    WHERE b.batch_id = dequeue_task.batch_id
      AND b.lease_token = dequeue_task.lease_token
      AND b.lease_expires_at > clock_timestamp();
  IF NOT FOUND THEN
    PERFORM pgqueue._lease_lost(dequeue_task.batch_id, dequeue_task.lease_token);
  END IF;

  SELECT t.id INTO v_head_id
    FROM pgqueue.tasks AS t
   WHERE t.batch_id >= dequeue_task.batch_id AND t.batch_id <= dequeue_task.batch_id  -- the head: see _head_task's note on this form
   ORDER BY t.batch_id, t.id
   LIMIT 1;
  IF v_head_id IS NULL THEN
    RETURN;
  END IF;

  -- Lock exactly the head. "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED" would hand out the next task while the
  -- head is locked (a slow former owner still running it), breaking FIFO: a locked head means "nothing now".
  RETURN QUERY
  SELECT t.id, t.task_type, t.payload, t.attempts, t.enqueued_at
    FROM pgqueue.tasks AS t
   WHERE t.id = v_head_id
     AND (t.run_after IS NULL OR t.run_after <= clock_timestamp())
     FOR UPDATE SKIP LOCKED;
END
$$;

COMMENT ON FUNCTION pgqueue.dequeue_task(text, bigint) IS
  'Returns the batch''s head task (lowest id), row-locked in the caller''s transaction, if it is runnable now; zero rows if the batch is empty or its head is locked or waiting for run_after.';
ALTER FUNCTION pgqueue.dequeue_task(text, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.dequeue_task(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.dequeue_task(text, bigint) TO pgqueue_worker;
