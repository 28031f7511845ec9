-- _head_task
-- Returns the task task_id, row-locked by the caller's transaction, after checking it is its batch's head task
-- and that lease_token holds that batch (PQ001 otherwise). Raises PQ003 if the task is unknown, is not the head,
-- or is locked by another transaction. Shared by complete_task and fail_task.
--
-- Every head lookup (here, dequeue_task, claim_batch, _head_due_at, _clear_expired_lease) is written
--   WHERE t.batch_id >= $1 AND t.batch_id <= $1 ORDER BY t.batch_id, t.id LIMIT 1
-- rather than "batch_id = $1 ORDER BY id": with the equality, PostgreSQL may find a cached generic plan that walks
-- the primary key in id order and filters on batch_id, reading every older task of other batches first (seen by the
-- scale bench with a few big batches). The range form can only be served in order by tasks_batch_order_idx.
CREATE OR REPLACE FUNCTION pgqueue._head_task(task_id bigint, lease_token bigint)
RETURNS pgqueue.tasks
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  v_task pgqueue.tasks%ROWTYPE;
  v_head_id bigint;
BEGIN
  IF task_id IS NULL THEN
    PERFORM pgqueue._invalid_argument('task_id must not be null');
  END IF;
  PERFORM pgqueue._check_lease_token(lease_token);

  -- Our own lock (taken by dequeue_task in this transaction) is no obstacle; another transaction's is.
  SELECT t.* INTO v_task
    FROM pgqueue.tasks AS t
   WHERE t.id = _head_task.task_id
     FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM pgqueue.tasks AS t WHERE t.id = _head_task.task_id) THEN
      RAISE EXCEPTION USING ERRCODE = 'PQ003',
        MESSAGE = format('task %s is locked by another transaction', task_id),
        HINT = 'complete a task in the transaction that dequeued it; fail it after rolling that transaction back';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'PQ003',
      MESSAGE = format('task %s not found', task_id),
      HINT = 'it was completed, moved to dead_tasks, or never enqueued';
  END IF;

  PERFORM pgqueue._hold_lease(v_task.batch_id, lease_token);

  SELECT t.id INTO v_head_id
    FROM pgqueue.tasks AS t
   WHERE t.batch_id >= v_task.batch_id AND t.batch_id <= v_task.batch_id  -- the head: see _head_task's note on this form
   ORDER BY t.batch_id, t.id
   LIMIT 1;
  IF v_head_id <> v_task.id THEN
    -- A redrive put a lower id back into the batch: this task must wait for it, so order holds.
    RAISE EXCEPTION USING ERRCODE = 'PQ003',
      MESSAGE = format('task %s is not the head of batch %s (task %s is)', task_id, v_task.batch_id, v_head_id),
      HINT = 'roll back and dequeue again';
  END IF;
  RETURN v_task;
END
$$;

ALTER FUNCTION pgqueue._head_task(bigint, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._head_task(bigint, bigint) FROM PUBLIC;
