-- release_batch
-- Gives a lease back so another worker can claim the batch; returns false if it was no longer held (expired or
-- taken over). Raises PQ002 on an invalid batch_id, PQ004 on a null token.
CREATE OR REPLACE FUNCTION pgqueue.release_batch(batch_id text, lease_token bigint)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_was_live boolean;
BEGIN
  PERFORM pgqueue._check_batch_id(release_batch.batch_id);
  PERFORM pgqueue._check_lease_token(release_batch.lease_token);

  SELECT b.lease_expires_at > clock_timestamp() INTO v_was_live
    FROM pgqueue.batches AS b
   WHERE b.batch_id = release_batch.batch_id
     AND b.lease_token = release_batch.lease_token
     FOR NO KEY UPDATE OF b;
  IF NOT FOUND THEN
    RETURN false;
  END IF;

  -- Its owner is alive and gives it back, so an expired but not yet taken lease is cleared without a charge.
  -- The row is locked above, in an earlier statement than the head is read (see _head_due_at).
  UPDATE pgqueue.batches AS b
     SET lease_token = NULL,
         lease_owner = NULL,
         lease_expires_at = NULL,
         head_due_at = pgqueue._head_due_at(release_batch.batch_id)
   WHERE b.batch_id = release_batch.batch_id;
  RETURN v_was_live;
END
$$;

COMMENT ON FUNCTION pgqueue.release_batch(text, bigint) IS
  'Gives a lease back so another worker can claim the batch; returns false if it was no longer held.';
ALTER FUNCTION pgqueue.release_batch(text, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.release_batch(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.release_batch(text, bigint) TO pgqueue_worker;
