-- _head_due_at
-- Computes a batch's head_due_at from its head task; the caller holds the batch row's lock and writes the value.
-- Returns NULL ("known empty") only when no producer of the batch is mid-transaction.
CREATE OR REPLACE FUNCTION pgqueue._head_due_at(batch_id text)
RETURNS timestamptz
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  v_no_producer boolean;
  v_head record;
BEGIN
  -- Taken before the head is read, and held to commit: a producer that committed before this point is seen
  -- below (each statement takes a new snapshot), and one that comes after waits, then finds NULL and sets it.
  -- If a producer is mid-transaction we cannot know whether its task will commit, so the batch stays
  -- claimable (a claim that finds it empty corrects the hint); NULL there could strand the producer's task.
  v_no_producer := pg_catalog.pg_try_advisory_xact_lock(pgqueue._batch_lock_key(_head_due_at.batch_id));

  SELECT t.id, t.run_after
    INTO v_head
    FROM pgqueue.tasks AS t
   WHERE t.batch_id >= _head_due_at.batch_id AND t.batch_id <= _head_due_at.batch_id  -- the head: see _head_task's note on this form
   ORDER BY t.batch_id, t.id
   LIMIT 1;

  IF v_head.id IS NOT NULL THEN
    RETURN greatest(coalesce(v_head.run_after, '-infinity'), pg_catalog.clock_timestamp());
  ELSIF v_no_producer THEN
    RETURN NULL;
  ELSE
    RETURN pg_catalog.clock_timestamp();
  END IF;
END
$$;

ALTER FUNCTION pgqueue._head_due_at(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._head_due_at(text) FROM PUBLIC;
