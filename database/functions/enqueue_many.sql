-- enqueue_many
-- Appends many tasks to the end of a batch in array order, in one statement, and returns their ids in that order.
-- Raises PQ002 on an invalid batch_id, PQ004 on a null array, a null or oversized element, or an empty task_type.
CREATE OR REPLACE FUNCTION pgqueue.enqueue_many(
  batch_id text,
  payloads jsonb[],
  task_type text DEFAULT NULL
)
RETURNS SETOF bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_settings pgqueue.settings%ROWTYPE;
  v_bad record;
BEGIN
  PERFORM pgqueue._check_batch_id(enqueue_many.batch_id);
  SELECT s.* INTO v_settings FROM pgqueue.settings AS s;
  IF enqueue_many.payloads IS NULL THEN
    PERFORM pgqueue._invalid_argument('payloads must not be null', 'pass an array of jsonb, e.g. ARRAY[''{}'']::jsonb[]');
  END IF;
  IF enqueue_many.task_type IS NOT NULL AND length(enqueue_many.task_type) NOT BETWEEN 1 AND 200 THEN
    PERFORM pgqueue._invalid_argument(format('task_type must be 1 to 200 characters, got %s', length(enqueue_many.task_type)));
  END IF;
  SELECT p.ord, octet_length(p.payload::text) AS size
    INTO v_bad
    FROM unnest(enqueue_many.payloads) WITH ORDINALITY AS p(payload, ord)
   WHERE p.payload IS NULL OR octet_length(p.payload::text) > v_settings.payload_limit_bytes
   ORDER BY p.ord
   LIMIT 1;
  IF FOUND THEN
    IF v_bad.size IS NULL THEN
      PERFORM pgqueue._invalid_argument(format('payloads[%s] is null', v_bad.ord));
    ELSE
      PERFORM pgqueue._invalid_argument(format('payloads[%s] is %s bytes, over the limit of %s bytes',
                                               v_bad.ord, v_bad.size, v_settings.payload_limit_bytes));
    END IF;
  END IF;
  IF cardinality(enqueue_many.payloads) = 0 THEN
    RETURN;
  END IF;

  -- Same turn-taking as enqueue: the batch's ids become visible in id order.
  PERFORM pg_advisory_xact_lock(pgqueue._batch_lock_key(enqueue_many.batch_id));

  -- Ids are drawn in array order: the volatile nextval() is evaluated after the ORDER BY.
  RETURN QUERY
  WITH inserted AS (
    INSERT INTO pgqueue.tasks (id, batch_id, task_type, payload, max_attempts)
    SELECT nextval('pgqueue.task_id_seq'), enqueue_many.batch_id, enqueue_many.task_type, p.payload,
           v_settings.max_attempts
      FROM unnest(enqueue_many.payloads) WITH ORDINALITY AS p(payload, ord)
     ORDER BY p.ord
    RETURNING id
  )
  SELECT i.id FROM inserted AS i ORDER BY i.id;

  PERFORM pgqueue._note_new_work(enqueue_many.batch_id, clock_timestamp());
END
$$;

COMMENT ON FUNCTION pgqueue.enqueue_many(text, jsonb[], text) IS
  'Appends many tasks to the end of a batch in array order, in one statement, and returns their ids in that order.';
ALTER FUNCTION pgqueue.enqueue_many(text, jsonb[], text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.enqueue_many(text, jsonb[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.enqueue_many(text, jsonb[], text) TO pgqueue_producer;
