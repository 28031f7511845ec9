-- worker.sql: one pgbench client = one worker. Claims a batch, then runs one task per transaction: dequeue_task and
-- complete_task in one autocommit statement (the work's transaction, sent in one round trip, as a pipelining client
-- would), and releases the lease after :drain_limit tasks or when the batch has nothing runnable, like a Lambda whose
-- time budget ran out. pgbench variables persist across a client's transactions.
-- Needs -D token=0 -D batch_id=none -D done=0 -D drain_limit=N.
\if :token = 0
SELECT coalesce(c.batch_id, '') AS batch_id, coalesce(c.lease_token, 0) AS token
  FROM (VALUES (1)) AS one
  LEFT JOIN LATERAL pgqueue.claim_batch(worker_id => 'bench-worker-' || :client_id) AS c ON true \gset
\set done 0
\endif
\if :token = 0
\sleep 20 ms
\else
SELECT count(pgqueue.complete_task(task_id => d.task_id, lease_token => :token)) AS completed
  FROM pgqueue.dequeue_task(batch_id => :batch_id, lease_token => :token) AS d \gset
\set done :done + :completed
\if :completed = 0 or :done >= :drain_limit
SELECT pgqueue.release_batch(batch_id => :batch_id, lease_token => :token);
\set token 0
\endif
\endif
