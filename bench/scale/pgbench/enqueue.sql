-- enqueue.sql: one enqueue_many call of :per_call tasks into a random batch of :batches ('bench-1' ...).
\set b random(1, :batches)
SELECT count(*) FROM pgqueue.enqueue_many(batch_id => 'bench-' || :b,
  payloads => (SELECT array_agg(jsonb_build_object('n', g, 'note', 'bloat study')) FROM generate_series(1, :per_call) AS g));
