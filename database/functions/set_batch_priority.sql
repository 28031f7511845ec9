-- set_batch_priority
-- Sets a batch's priority (default 0): claim_batch takes strictly higher priorities first. An unknown batch is
-- created with it. Raises PQ002 on an invalid batch_id, PQ004 on a null priority.
CREATE OR REPLACE FUNCTION pgqueue.set_batch_priority(batch_id text, priority integer)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  PERFORM pgqueue._check_batch_id(set_batch_priority.batch_id);
  IF set_batch_priority.priority IS NULL THEN
    PERFORM pgqueue._invalid_argument('priority must not be null', 'pass 0 for the default priority');
  END IF;
  INSERT INTO pgqueue.batches AS b (batch_id, priority)
  VALUES (set_batch_priority.batch_id, set_batch_priority.priority)
  ON CONFLICT (batch_id) DO UPDATE SET priority = EXCLUDED.priority WHERE b.priority <> EXCLUDED.priority;
END
$$;

COMMENT ON FUNCTION pgqueue.set_batch_priority(text, integer) IS
  'Sets a batch''s priority (default 0): claim_batch takes strictly higher priorities first. An unknown batch is created with it.';
ALTER FUNCTION pgqueue.set_batch_priority(text, integer) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.set_batch_priority(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.set_batch_priority(text, integer) TO pgqueue_admin;
