-- claim_batch
-- Leases one runnable batch (not paused, no live lease, head task due) to worker_id: the preferred batch if it
-- qualifies, else, from the highest priority down, the one whose head has been due longest. Returns zero rows
-- (nothing to do) or one row.
-- Raises PQ002 on an invalid preferred_batch_id, PQ004 on a null or empty worker_id or a non-positive lease.
CREATE OR REPLACE FUNCTION pgqueue.claim_batch(
  worker_id text,
  preferred_batch_id text DEFAULT NULL,
  lease interval DEFAULT NULL
)
RETURNS TABLE (batch_id text, lease_token bigint, lease_expires_at timestamptz)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_lease interval;
  v_now timestamptz;
  v_candidate pgqueue.batches%ROWTYPE;
  v_passed_over text[] := '{}';
  v_head record;
  v_token bigint;
  v_expires_at timestamptz;
  v_above bigint;
  v_level record;
  v_top_expired integer;
  v_expired_checked boolean := false;
BEGIN
  -- The batch id first, as in every function (DESIGN.md, Errors).
  IF claim_batch.preferred_batch_id IS NOT NULL THEN
    PERFORM pgqueue._check_batch_id(claim_batch.preferred_batch_id);
  END IF;
  IF claim_batch.worker_id IS NULL OR length(claim_batch.worker_id) NOT BETWEEN 1 AND 200 THEN
    PERFORM pgqueue._invalid_argument(
      format('worker_id must be 1 to 200 characters, got %s', coalesce(quote_literal(claim_batch.worker_id), 'null')));
  END IF;
  v_lease := pgqueue._lease_length(claim_batch.lease);

  -- Each round takes one candidate; the head_due_at it was found by is a hint kept up lazily, so a candidate
  -- whose head turns out not to be runnable is corrected and passed over. Bounded: a claim never loops long.
  FOR v_round IN 1..10 LOOP
    v_now := clock_timestamp();
    v_candidate := NULL;

    IF v_round = 1 AND claim_batch.preferred_batch_id IS NOT NULL THEN
      SELECT b.* INTO v_candidate
        FROM pgqueue.batches AS b
       WHERE b.batch_id = claim_batch.preferred_batch_id
         AND NOT b.paused
         AND b.head_due_at <= v_now
         AND (b.lease_token IS NULL OR b.lease_expires_at <= v_now)
         FOR NO KEY UPDATE SKIP LOCKED;
    END IF;

    IF v_candidate.batch_id IS NULL THEN
      -- Priority levels from the highest down (a loose index scan of batches_claimable_idx: one probe per level in
      -- use, never one per batch, so an idle claim stays cheap, invariant 7). Inside a level, expired leases first
      -- (their batches have waited a whole lease already), then the free batch whose head has been due longest.
      v_above := 2147483648;
      v_top_expired := NULL;
      IF v_round = 1 OR v_expired_checked THEN
        -- Expired leases of unpaused, non-empty batches: few (each is cleared once, below, or by the reaper), and
        -- found through batches_takeover_idx without reading live leases.
        SELECT max(b.priority) INTO v_top_expired
          FROM pgqueue.batches AS b
         WHERE b.lease_token IS NOT NULL
           AND b.lease_expires_at <= v_now
           AND NOT b.paused
           AND b.head_due_at IS NOT NULL
           AND b.batch_id <> ALL (v_passed_over);
        v_expired_checked := v_top_expired IS NOT NULL;
      END IF;
      LOOP
        SELECT b.priority, b.head_due_at INTO v_level
          FROM pgqueue.batches AS b
         WHERE b.lease_token IS NULL
           AND NOT b.paused
           AND b.head_due_at IS NOT NULL
           AND b.priority < v_above
         ORDER BY b.priority DESC, b.head_due_at, b.batch_id
         LIMIT 1;
        IF v_top_expired IS NOT NULL AND v_top_expired < v_above
           AND (v_level.priority IS NULL OR v_top_expired >= v_level.priority) THEN
          -- Any expired lease is taken, even one whose head is not due: clearing it once drops it from the takeover
          -- index, so abandoned leases cannot pile up in front of every idle claim. SKIP LOCKED everywhere:
          -- competing claimers never wait for each other, they take the next batch.
          SELECT b.* INTO v_candidate
            FROM pgqueue.batches AS b
           WHERE b.lease_token IS NOT NULL
             AND b.lease_expires_at <= v_now
             AND NOT b.paused
             AND b.head_due_at IS NOT NULL
             AND b.priority >= coalesce(v_level.priority, -2147483648)
             AND b.priority < v_above
             AND b.batch_id <> ALL (v_passed_over)
           ORDER BY b.priority DESC, b.lease_expires_at
           LIMIT 1
             FOR NO KEY UPDATE SKIP LOCKED;
          EXIT WHEN v_candidate.batch_id IS NOT NULL;
        END IF;
        EXIT WHEN v_level.priority IS NULL;
        -- The level's longest-due head is due: take the first free batch of this level that no one else is taking.
        -- The level's head_due_at being in the future means nothing in it is due: go one level down.
        IF v_level.head_due_at <= v_now THEN
          SELECT b.* INTO v_candidate
            FROM pgqueue.batches AS b
           WHERE b.lease_token IS NULL
             AND NOT b.paused
             AND b.head_due_at IS NOT NULL
             AND b.priority = v_level.priority
             AND b.head_due_at <= v_now
             AND b.batch_id <> ALL (v_passed_over)
           ORDER BY b.priority DESC, b.head_due_at, b.batch_id
           LIMIT 1
             FOR NO KEY UPDATE SKIP LOCKED;
          EXIT WHEN v_candidate.batch_id IS NOT NULL;
        END IF;
        v_above := v_level.priority;
        v_level := NULL;
      END LOOP;
    END IF;

    IF v_candidate.batch_id IS NULL THEN
      RETURN;
    END IF;

    IF v_candidate.lease_token IS NOT NULL THEN
      -- Takeover of an expired lease: charged here or by reap_stale_locks, whichever comes first.
      PERFORM pgqueue._clear_expired_lease(v_candidate.batch_id);
    END IF;

    SELECT t.id, t.run_after INTO v_head
      FROM pgqueue.tasks AS t
     WHERE t.batch_id >= v_candidate.batch_id AND t.batch_id <= v_candidate.batch_id  -- the head: see _head_task's note on this form
     ORDER BY t.batch_id, t.id
     LIMIT 1;

    IF v_head.id IS NOT NULL AND (v_head.run_after IS NULL OR v_head.run_after <= clock_timestamp()) THEN
      v_token := nextval('pgqueue.lease_token_seq');
      v_expires_at := clock_timestamp() + v_lease;
      UPDATE pgqueue.batches AS b
         SET lease_token = v_token,
             lease_owner = claim_batch.worker_id,
             lease_expires_at = v_expires_at
       WHERE b.batch_id = v_candidate.batch_id;
      batch_id := v_candidate.batch_id;
      lease_token := v_token;
      lease_expires_at := v_expires_at;
      RETURN NEXT;
      RETURN;
    END IF;

    -- Empty, or its head waits for run_after: correct the hint and look further.
    UPDATE pgqueue.batches AS b
       SET head_due_at = pgqueue._head_due_at(v_candidate.batch_id)
     WHERE b.batch_id = v_candidate.batch_id;
    v_passed_over := v_passed_over || v_candidate.batch_id;
  END LOOP;
END
$$;

COMMENT ON FUNCTION pgqueue.claim_batch(text, text, interval) IS
  'Leases one runnable batch (not paused, no live lease, head task due): the preferred batch if it qualifies, else, from the highest priority down, the one whose head has been due longest. Returns zero rows (nothing to do) or one row.';
ALTER FUNCTION pgqueue.claim_batch(text, text, interval) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.claim_batch(text, text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.claim_batch(text, text, interval) TO pgqueue_worker;
