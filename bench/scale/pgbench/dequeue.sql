-- dequeue.sql: dequeue_task on a batch this run leased (-D batch_id=... -D lease_token=...), one autocommit
-- transaction: the head row lock ends with it, so every call finds the same head, as the first dequeue of a task does.
SELECT count(*) FROM pgqueue.dequeue_task(batch_id => :batch_id, lease_token => :lease_token);
