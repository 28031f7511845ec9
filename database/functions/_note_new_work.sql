-- _note_new_work
-- Called by producers, under the batch's producer lock, after inserting tasks: creates the batch row if new, marks
-- a known-empty batch claimable, and notifies listeners when the batch had no pending task. Internal.
CREATE OR REPLACE FUNCTION pgqueue._note_new_work(batch_id text, due_at timestamptz)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  v_head_due_at timestamptz;
BEGIN
  SELECT b.head_due_at
    INTO v_head_due_at
    FROM pgqueue.batches AS b
   WHERE b.batch_id = _note_new_work.batch_id;

  IF NOT FOUND THEN
    INSERT INTO pgqueue.batches AS b (batch_id, head_due_at)
    VALUES (_note_new_work.batch_id, _note_new_work.due_at)
    ON CONFLICT (batch_id) DO UPDATE SET head_due_at = coalesce(b.head_due_at, EXCLUDED.head_due_at);
  ELSIF v_head_due_at IS NULL
     OR pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
    -- Only a known-empty batch needs the row written; the common case (more work for a busy batch) reads it.
    -- Under a stronger isolation level our read may predate a release, so write anyway: a concurrent change
    -- then fails this transaction with 40001, which the caller retries.
    UPDATE pgqueue.batches AS b
       SET head_due_at = coalesce(b.head_due_at, _note_new_work.due_at)
     WHERE b.batch_id = _note_new_work.batch_id;
  END IF;

  IF v_head_due_at IS NULL THEN
    -- Only on empty -> non-empty: NOTIFY takes a cluster-wide lock at commit, so every enqueue would serialize.
    PERFORM pg_catalog.pg_notify('pgqueue', _note_new_work.batch_id);
  END IF;
END
$$;

ALTER FUNCTION pgqueue._note_new_work(text, timestamptz) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._note_new_work(text, timestamptz) FROM PUBLIC;
