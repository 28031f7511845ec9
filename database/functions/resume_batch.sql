-- resume_batch
-- Lets a paused batch be claimed again; a no-op for a batch that is not paused or not known.
-- Raises PQ002 on an invalid batch_id.
CREATE OR REPLACE FUNCTION pgqueue.resume_batch(batch_id text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  PERFORM pgqueue._check_batch_id(resume_batch.batch_id);
  UPDATE pgqueue.batches AS b
     SET paused = false
   WHERE b.batch_id = resume_batch.batch_id
     AND b.paused;
END
$$;

COMMENT ON FUNCTION pgqueue.resume_batch(text) IS
  'Lets a paused batch be claimed again; a no-op for a batch that is not paused or not known.';
ALTER FUNCTION pgqueue.resume_batch(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.resume_batch(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.resume_batch(text) TO pgqueue_admin;
