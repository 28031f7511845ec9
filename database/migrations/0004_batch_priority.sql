-- 0004_batch_priority: batches get a priority (default 0) and the claim index leads with it, so claim_batch walks
-- priority levels from the highest down with one probe per level in use (invariant 7). Not breaking: the column has
-- a default, running workers keep calling claim_batch unchanged; the index is replaced in the upgrade transaction.
ALTER TABLE pgqueue.batches ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;

DROP INDEX IF EXISTS pgqueue.batches_claimable_idx;
-- Same predicate as before (free, not paused, not known empty); inside a level, the longest-due head first.
CREATE INDEX IF NOT EXISTS batches_claimable_idx ON pgqueue.batches (priority DESC, head_due_at, batch_id)
  WHERE lease_token IS NULL AND NOT paused AND head_due_at IS NOT NULL;
