-- enqueue
-- Appends a task to the end of a batch (creating the batch if new) and returns its id; with dedup_key, a task
-- with the same key still pending in the batch is returned instead and nothing is inserted.
-- Raises PQ002 on an invalid batch_id, PQ004 on a null or oversized payload, an empty task_type or dedup_key,
-- or max_attempts below 1.
CREATE OR REPLACE FUNCTION pgqueue.enqueue(
  batch_id text,
  payload jsonb DEFAULT '{}',
  task_type text DEFAULT NULL,
  dedup_key text DEFAULT NULL,
  run_after timestamptz DEFAULT NULL,
  max_attempts integer DEFAULT NULL
)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_settings pgqueue.settings%ROWTYPE;
  v_id bigint;
  v_size integer;
BEGIN
  PERFORM pgqueue._check_batch_id(enqueue.batch_id);
  SELECT s.* INTO v_settings FROM pgqueue.settings AS s;
  IF enqueue.payload IS NULL THEN
    PERFORM pgqueue._invalid_argument('payload must not be null', 'pass ''{}'' for a task without data');
  END IF;
  v_size := octet_length(enqueue.payload::text);
  IF v_size > v_settings.payload_limit_bytes THEN
    PERFORM pgqueue._invalid_argument(
      format('payload is %s bytes, over the limit of %s bytes', v_size, v_settings.payload_limit_bytes),
      'store large data elsewhere and enqueue a reference, or raise pgqueue.settings.payload_limit_bytes');
  END IF;
  IF enqueue.task_type IS NOT NULL AND length(enqueue.task_type) NOT BETWEEN 1 AND 200 THEN
    PERFORM pgqueue._invalid_argument(format('task_type must be 1 to 200 characters, got %s', length(enqueue.task_type)));
  END IF;
  IF enqueue.dedup_key IS NOT NULL AND length(enqueue.dedup_key) NOT BETWEEN 1 AND 500 THEN
    PERFORM pgqueue._invalid_argument(format('dedup_key must be 1 to 500 characters, got %s', length(enqueue.dedup_key)));
  END IF;
  IF enqueue.max_attempts IS NOT NULL AND enqueue.max_attempts < 1 THEN
    PERFORM pgqueue._invalid_argument(format('max_attempts must be at least 1, got %s', enqueue.max_attempts));
  END IF;

  -- Producers of one batch take turns until commit, and the id is drawn after the turn is ours: so a batch's
  -- ids become visible in id order, and a worker never completes id 11 while id 10 is still uncommitted.
  -- An advisory lock (not the batch row) so a long producer transaction never holds up claims or leases.
  PERFORM pg_advisory_xact_lock(pgqueue._batch_lock_key(enqueue.batch_id));

  v_id := nextval('pgqueue.task_id_seq');
  -- A pending task with the same dedup_key wins: nothing is inserted and its id is returned. Under READ COMMITTED
  -- the conflict check sees every producer that had its turn before ours; under REPEATABLE READ or SERIALIZABLE a
  -- key committed after our snapshot makes PostgreSQL raise 40001 here, which the caller retries.
  INSERT INTO pgqueue.tasks AS t (id, batch_id, task_type, payload, dedup_key, max_attempts, run_after)
  VALUES (v_id, enqueue.batch_id, enqueue.task_type, enqueue.payload, enqueue.dedup_key,
          coalesce(enqueue.max_attempts, v_settings.max_attempts), enqueue.run_after)
  ON CONFLICT (batch_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING;
  IF NOT FOUND THEN
    SELECT t.id INTO v_id
      FROM pgqueue.tasks AS t
     WHERE t.batch_id = enqueue.batch_id
       AND t.dedup_key = enqueue.dedup_key;
    RETURN v_id;
  END IF;

  PERFORM pgqueue._note_new_work(enqueue.batch_id,
                                 greatest(coalesce(enqueue.run_after, '-infinity'), clock_timestamp()));
  RETURN v_id;
END
$$;

COMMENT ON FUNCTION pgqueue.enqueue(text, jsonb, text, text, timestamptz, integer) IS
  'Appends a task to the end of a batch (creating the batch if new) and returns its id; with dedup_key, a task with the same key still pending in the batch is returned instead.';
ALTER FUNCTION pgqueue.enqueue(text, jsonb, text, text, timestamptz, integer) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.enqueue(text, jsonb, text, text, timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.enqueue(text, jsonb, text, text, timestamptz, integer) TO pgqueue_producer;
