-- 0001_create_queue: roles, schema, the three tables (batches, pending tasks, dead tasks) and the settings row.
-- First release; nothing runs before it. Tables are private: callers use the functions and views only.

-- Roles are cluster-wide: guard them, so a second database in the same cluster migrates cleanly.
DO $$
DECLARE
  v_role text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['pgqueue_owner', 'pgqueue_producer', 'pgqueue_worker', 'pgqueue_admin'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
    END IF;
  END LOOP;
  -- The migrating user hands objects to pgqueue_owner, which needs membership unless it is a superuser.
  IF NOT pg_catalog.pg_has_role(current_user, 'pgqueue_owner', 'MEMBER') THEN
    EXECUTE format('GRANT pgqueue_owner TO %I', current_user);
  END IF;
  -- An admin can do everything a producer and a worker can.
  IF NOT pg_catalog.pg_has_role('pgqueue_admin', 'pgqueue_producer', 'MEMBER') THEN
    GRANT pgqueue_producer TO pgqueue_admin;
  END IF;
  IF NOT pg_catalog.pg_has_role('pgqueue_admin', 'pgqueue_worker', 'MEMBER') THEN
    GRANT pgqueue_worker TO pgqueue_admin;
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS pgqueue;
ALTER SCHEMA pgqueue OWNER TO pgqueue_owner;
REVOKE ALL ON SCHEMA pgqueue FROM PUBLIC;
GRANT USAGE ON SCHEMA pgqueue TO pgqueue_producer, pgqueue_worker, pgqueue_admin;

-- Defaults a DBA changes without a deploy: UPDATE pgqueue.settings SET lease = '10 minutes';
CREATE TABLE pgqueue.settings (
  singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  lease                interval NOT NULL DEFAULT '5 minutes' CHECK (lease > interval '0'),
  max_attempts         integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  backoff_base         interval NOT NULL DEFAULT '1 second' CHECK (backoff_base > interval '0'),
  backoff_cap          interval NOT NULL DEFAULT '10 minutes' CHECK (backoff_cap >= backoff_base),
  payload_limit_bytes  integer NOT NULL DEFAULT 1048576 CHECK (payload_limit_bytes > 0)
);
INSERT INTO pgqueue.settings DEFAULT VALUES;

-- One sequence for all tokens, so no two leases of any batches ever share one.
CREATE SEQUENCE pgqueue.lease_token_seq AS bigint;
-- Task ids order tasks inside a batch; ids are taken under the batch's producer lock, so they commit in order.
CREATE SEQUENCE pgqueue.task_id_seq AS bigint;

-- One row per batch (an ordered lane). head_due_at is when the batch's head task became due: NULL means the
-- batch is known to be empty. It is maintained at enqueue, release and takeover, not per task, so that draining
-- a batch costs no update of this row; a stale non-NULL value is corrected by the next claim.
CREATE TABLE pgqueue.batches (
  batch_id          text PRIMARY KEY,
  lease_token       bigint,
  lease_owner       text,
  lease_expires_at  timestamptz,
  paused            boolean NOT NULL DEFAULT false,
  head_due_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((lease_token IS NULL) = (lease_expires_at IS NULL) AND (lease_token IS NULL) = (lease_owner IS NULL))
) WITH (fillfactor = 70);

-- Claimable batches: free, not paused, not known empty. Empty, paused and leased batches are not in this index
-- at all, and batches whose head waits for run_after sit past the range a claim reads, so an idle claim reads
-- the same few pages whether there are ten batches or a million (invariant 7).
CREATE INDEX batches_claimable_idx ON pgqueue.batches (head_due_at, batch_id)
  WHERE lease_token IS NULL AND NOT paused AND head_due_at IS NOT NULL;
-- Leased batches by expiry: a claim or the reaper finds expired leases without reading live ones.
CREATE INDEX batches_lease_expiry_idx ON pgqueue.batches (lease_expires_at)
  WHERE lease_token IS NOT NULL;

-- Pending tasks only: a finished task is deleted. No foreign key to batches: its row lock would make every
-- enqueue contend with claims.
CREATE TABLE pgqueue.tasks (
  id            bigint PRIMARY KEY,
  batch_id      text NOT NULL,
  task_type     text,
  payload       jsonb NOT NULL,
  dedup_key     text,
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL,
  run_after     timestamptz,
  enqueued_at   timestamptz NOT NULL DEFAULT now(),
  last_error    text,
  last_failed_at timestamptz
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_insert_scale_factor = 0.02);

-- The head of a batch is its lowest id: this index answers "head of batch X" with one probe.
CREATE INDEX tasks_batch_order_idx ON pgqueue.tasks (batch_id, id);
CREATE UNIQUE INDEX tasks_dedup_key_idx ON pgqueue.tasks (batch_id, dedup_key) WHERE dedup_key IS NOT NULL;

-- Tasks that used up their attempts, under their original id (a redrive puts them back in place).
CREATE TABLE pgqueue.dead_tasks (
  id            bigint PRIMARY KEY,
  batch_id      text NOT NULL,
  task_type     text,
  payload       jsonb NOT NULL,
  dedup_key     text,
  attempts      integer NOT NULL,
  max_attempts  integer NOT NULL,
  enqueued_at   timestamptz NOT NULL,
  failed_at     timestamptz NOT NULL DEFAULT now(),
  last_error    text
);
CREATE INDEX dead_tasks_batch_idx ON pgqueue.dead_tasks (batch_id, id);
CREATE INDEX dead_tasks_failed_at_idx ON pgqueue.dead_tasks (failed_at);

ALTER TABLE pgqueue.settings OWNER TO pgqueue_owner;
ALTER TABLE pgqueue.batches OWNER TO pgqueue_owner;
ALTER TABLE pgqueue.tasks OWNER TO pgqueue_owner;
ALTER TABLE pgqueue.dead_tasks OWNER TO pgqueue_owner;
ALTER SEQUENCE pgqueue.lease_token_seq OWNER TO pgqueue_owner;
ALTER SEQUENCE pgqueue.task_id_seq OWNER TO pgqueue_owner;
