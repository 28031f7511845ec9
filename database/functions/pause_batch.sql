-- pause_batch
-- Stops a batch from being claimed until resume_batch; its tasks stay. An unknown batch is created paused.
-- A worker already holding its lease may go on until it releases or loses it. Raises PQ002 on an invalid batch_id.
CREATE OR REPLACE FUNCTION pgqueue.pause_batch(batch_id text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  PERFORM pgqueue._check_batch_id(pause_batch.batch_id);
  INSERT INTO pgqueue.batches AS b (batch_id, paused)
  VALUES (pause_batch.batch_id, true)
  ON CONFLICT (batch_id) DO UPDATE SET paused = true WHERE NOT b.paused;
END
$$;

COMMENT ON FUNCTION pgqueue.pause_batch(text) IS
  'Stops a batch from being claimed until resume_batch; its tasks stay. An unknown batch is created paused.';
ALTER FUNCTION pgqueue.pause_batch(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.pause_batch(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.pause_batch(text) TO pgqueue_admin;
