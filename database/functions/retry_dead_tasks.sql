-- retry_dead_tasks
-- Moves dead tasks back into their batches at their original place (their original id), attempts reset to 0,
-- last error kept; all of them when every argument is NULL, else those matching every given filter. A dead task
-- whose dedup_key is now taken by a pending task stays dead. Returns how many moved.
-- Raises PQ004 if failed_after is later than failed_before.
CREATE OR REPLACE FUNCTION pgqueue.retry_dead_tasks(
  task_ids bigint[] DEFAULT NULL,
  failed_after timestamptz DEFAULT NULL,
  failed_before timestamptz DEFAULT NULL
)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_dead pgqueue.dead_tasks%ROWTYPE;
  v_moved integer := 0;
  v_locked_batch text;
BEGIN
  IF retry_dead_tasks.failed_after > retry_dead_tasks.failed_before THEN
    PERFORM pgqueue._invalid_argument(format('failed_after (%s) is later than failed_before (%s)',
                                             retry_dead_tasks.failed_after, retry_dead_tasks.failed_before));
  END IF;

  -- Batch by batch in a fixed order, so two redrives cannot deadlock on producer locks.
  FOR v_dead IN
    SELECT d.*
      FROM pgqueue.dead_tasks AS d
     WHERE (retry_dead_tasks.task_ids IS NULL OR d.id = ANY (retry_dead_tasks.task_ids))
       AND (retry_dead_tasks.failed_after IS NULL OR d.failed_at >= retry_dead_tasks.failed_after)
       AND (retry_dead_tasks.failed_before IS NULL OR d.failed_at < retry_dead_tasks.failed_before)
     ORDER BY d.batch_id, d.id
       FOR UPDATE OF d
  LOOP
    IF v_locked_batch IS DISTINCT FROM v_dead.batch_id THEN
      -- A redrive is a producer of the batch: the same turn-taking as enqueue keeps ids visible in order.
      PERFORM pg_advisory_xact_lock(pgqueue._batch_lock_key(v_dead.batch_id));
      v_locked_batch := v_dead.batch_id;
    END IF;

    CONTINUE WHEN v_dead.dedup_key IS NOT NULL AND EXISTS (
      SELECT 1 FROM pgqueue.tasks AS t WHERE t.batch_id = v_dead.batch_id AND t.dedup_key = v_dead.dedup_key);

    INSERT INTO pgqueue.tasks (id, batch_id, task_type, payload, dedup_key, attempts, max_attempts, run_after,
                               enqueued_at, last_error, last_failed_at)
    VALUES (v_dead.id, v_dead.batch_id, v_dead.task_type, v_dead.payload, v_dead.dedup_key, 0, v_dead.max_attempts,
            NULL, v_dead.enqueued_at, v_dead.last_error, v_dead.failed_at);
    DELETE FROM pgqueue.dead_tasks AS d WHERE d.id = v_dead.id;
    -- The task may now be the head, due at once: a free batch becomes claimable; a leased one's in-flight task
    -- (a higher id) fails complete_task with PQ003 and runs after this one.
    PERFORM pgqueue._note_new_work(v_dead.batch_id, clock_timestamp());
    UPDATE pgqueue.batches AS b
       SET head_due_at = least(b.head_due_at, clock_timestamp())
     WHERE b.batch_id = v_dead.batch_id
       AND b.head_due_at > clock_timestamp();
    v_moved := v_moved + 1;
  END LOOP;
  RETURN v_moved;
END
$$;

COMMENT ON FUNCTION pgqueue.retry_dead_tasks(bigint[], timestamptz, timestamptz) IS
  'Moves dead tasks back into their batches at their original place (original id), attempts reset; all when every argument is NULL, else those matching every given filter. Returns how many moved.';
ALTER FUNCTION pgqueue.retry_dead_tasks(bigint[], timestamptz, timestamptz) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.retry_dead_tasks(bigint[], timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.retry_dead_tasks(bigint[], timestamptz, timestamptz) TO pgqueue_admin;
