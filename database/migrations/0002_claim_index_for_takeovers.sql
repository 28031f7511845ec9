-- 0002_claim_index_for_takeovers: claims look for expired leases through an index that holds only takeover
-- candidates (not paused, not known empty), so batches paused while leased whose worker died, or drained and
-- abandoned, do not make an idle claim read more (invariant 7). Not breaking: running workers are unaffected.
CREATE INDEX IF NOT EXISTS batches_takeover_idx ON pgqueue.batches (lease_expires_at)
  WHERE lease_token IS NOT NULL AND NOT paused AND head_due_at IS NOT NULL;
