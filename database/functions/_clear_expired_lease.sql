-- _clear_expired_lease
-- Clears a batch's expired lease, charging one attempt to its head task, which may move it to dead_tasks.
-- Called by claim_batch (takeover) and reap_stale_locks, whichever comes first, with the batch row locked, so
-- each expired lease is charged once.
CREATE OR REPLACE FUNCTION pgqueue._clear_expired_lease(batch_id text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  v_batch pgqueue.batches%ROWTYPE;
  v_head_id bigint;
  v_head pgqueue.tasks%ROWTYPE;
  v_error text;
BEGIN
  SELECT b.* INTO v_batch FROM pgqueue.batches AS b WHERE b.batch_id = _clear_expired_lease.batch_id;

  SELECT t.id
    INTO v_head_id
    FROM pgqueue.tasks AS t
   WHERE t.batch_id >= _clear_expired_lease.batch_id AND t.batch_id <= _clear_expired_lease.batch_id  -- the head: see _head_task's note on this form
   ORDER BY t.batch_id, t.id
   LIMIT 1;

  IF v_head_id IS NOT NULL THEN
    -- A head still row-locked belongs to a live transaction: a slow owner, not a dead one, so charge nothing
    -- (its commit will fail with PQ001). A head waiting for run_after was not running either.
    SELECT t.*
      INTO v_head
      FROM pgqueue.tasks AS t
     WHERE t.id = v_head_id
       AND (t.run_after IS NULL OR t.run_after <= pg_catalog.clock_timestamp())
       FOR UPDATE SKIP LOCKED;

    IF FOUND THEN
      v_error := format('lease %s of worker %s expired at %s: worker presumed dead',
                        v_batch.lease_token, v_batch.lease_owner, v_batch.lease_expires_at);
      IF v_head.attempts + 1 >= v_head.max_attempts THEN
        PERFORM pgqueue._move_to_dead(v_head.id, v_head.attempts + 1, v_error);
      ELSE
        UPDATE pgqueue.tasks AS t
           SET attempts = t.attempts + 1,
               last_error = v_error,
               last_failed_at = pg_catalog.clock_timestamp()
         WHERE t.id = v_head.id;
      END IF;
    END IF;
  END IF;

  UPDATE pgqueue.batches AS b
     SET lease_token = NULL,
         lease_owner = NULL,
         lease_expires_at = NULL,
         head_due_at = pgqueue._head_due_at(_clear_expired_lease.batch_id)
   WHERE b.batch_id = _clear_expired_lease.batch_id;
END
$$;

ALTER FUNCTION pgqueue._clear_expired_lease(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._clear_expired_lease(text) FROM PUBLIC;
