#!/usr/bin/env node
// A PgQueue worker in Node.js. It calls the pgqueue SQL functions and nothing else: the locking, FIFO order, retries
// and leases all live in PostgreSQL, so this file only has to follow the recipe of the contract (DESIGN.md):
//
//   claim_batch                                  lease one batch (zero rows = nothing to do)
//   BEGIN; dequeue_task; <handler>; complete_task; COMMIT     one task, its work in the same transaction
//   handler threw: ROLLBACK, then fail_task      retried later, or dead after max_attempts
//   renew_lease every third of the lease         on another connection, while the batch drains
//   release_batch                                when the batch is drained (not when the lease was lost)
//
// Contract errors carry their own SQLSTATE: PQ001 = the lease is lost (abandon the batch: someone else owns it now),
// PQ003 = this task is no longer the head (a dead task was redriven ahead of it: roll back and go on draining).
//
// Usage: node worker.js --url postgresql://user@host/db [--concurrency 2] [--lease 30] [--until-empty] ... (--help)
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const LEASE_LOST = 'PQ001';
const NOT_HEAD_TASK = 'PQ003';

// ---- configuration: command-line options, each with an environment variable as fallback --------------------------
const options = {
  url: { type: 'string', env: 'PGQUEUE_URL', help: 'libpq URL (default: the PG* variables)' },
  'worker-id': { type: 'string', env: 'PGQUEUE_WORKER_ID', help: 'worker id (default: node-<host>-<pid>)' },
  concurrency: { type: 'string', env: 'PGQUEUE_CONCURRENCY', default: '1', help: 'batches drained at once' },
  lease: { type: 'string', env: 'PGQUEUE_LEASE_SECONDS', default: '60', help: 'lease length in seconds' },
  'tasks-per-claim': { type: 'string', env: 'PGQUEUE_TASKS_PER_CLAIM', default: '100', help: 'release a batch after this many tasks' },
  'max-tasks': { type: 'string', env: 'PGQUEUE_MAX_TASKS', default: '0', help: 'exit after this many tasks (0 = no limit)' },
  seconds: { type: 'string', env: 'PGQUEUE_SECONDS', default: '0', help: 'exit after this many seconds (0 = no limit)' },
  'poll-ms': { type: 'string', env: 'PGQUEUE_POLL_MS', default: '1000', help: 'wait when there is nothing to do' },
  'until-empty': { type: 'boolean', env: 'PGQUEUE_UNTIL_EMPTY', help: 'exit when a claim finds nothing to do' },
  help: { type: 'boolean' },
};
const { values: args } = parseArgs({ options, strict: true });
if (args.help) {
  console.log('node worker.js [options]\n' + Object.entries(options).filter(([, o]) => o.help)
    .map(([name, o]) => `  --${name.padEnd(16)} ${o.help}${o.default ? ` [${o.default}]` : ''}${o.env ? ` (${o.env})` : ''}`).join('\n'));
  process.exit(0);
}
const setting = (name) => args[name] ?? process.env[options[name].env] ?? options[name].default;
function number(name, min, integer = true) {
  const value = Number(setting(name));
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < min) {
    fatal(`--${name} must be ${integer ? 'a whole' : 'a'} number >= ${min}, not "${setting(name)}"`);
  }
  return value;
}
const config = {
  url: setting('url'),
  workerId: setting('worker-id') || `node-${os.hostname()}-${process.pid}`,
  concurrency: number('concurrency', 1),
  leaseSeconds: number('lease', 1, false),
  tasksPerClaim: number('tasks-per-claim', 1),
  maxTasks: number('max-tasks', 0),
  seconds: number('seconds', 0, false),
  pollMs: number('poll-ms', 10),
  untilEmpty: args['until-empty'] ?? ['1', 'true'].includes(process.env.PGQUEUE_UNTIL_EMPTY ?? ''),
};

// ---- logging: one JSON line per event, with the worker, batch and task it concerns --------------------------------
function log(level, msg, fields = {}) {
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
}
function fatal(message) {
  console.error(`worker.js: ${message}`);
  process.exit(2);
}

// ---- the handlers: task_type -> async (task, context) ------------------------------------------------------------
// A handler gets the task (task_id, batch_id, task_type, payload, attempts) and { db, pool, signal }: db is the task's
// own connection inside its transaction (writes there commit exactly when the task completes), signal aborts when the
// lease is lost. Throwing fails the task.
const handlers = {
  // The same demo task as the C# workers (src/PgQueue.Client/DemoTasks.cs), so both can share one queue.
  'demo.sleep': async (task, { db, signal }) => {
    const p = task.payload ?? {};
    const row = [task.task_id, task.batch_id, task.lease_token, task.attempts + 1];
    if (p.logStart) {
      // On another connection, outside the task's transaction: the row stays even if the task rolls back.
      await pool.query('INSERT INTO pgqueue_demo.lambda_task_starts (task_id, batch_id, lease_token, attempt) VALUES ($1, $2, $3, $4)', row);
    }
    if (p.sleepMs > 0) await sleep(Math.min(p.sleepMs, 60_000), undefined, { signal });
    if (p.fail || task.attempts < (p.failAttempts ?? 0)) {
      throw new Error(p.error ?? `demo.sleep fails try ${task.attempts + 1} of task ${task.task_id}, as its payload asks`);
    }
    if (p.record) {
      // In the task's transaction: the row commits exactly when complete_task does.
      await db.query('INSERT INTO pgqueue_demo.lambda_task_runs (task_id, batch_id, lease_token, attempt) VALUES ($1, $2, $3, $4)', row);
    }
  },
};

// ---- the worker ---------------------------------------------------------------------------------------------------
// Up to three connections per drained batch: the task's, the heartbeat's, and the handler's own (logStart).
const pool = new pg.Pool({ connectionString: config.url, max: 3 * config.concurrency, connectionTimeoutMillis: 10_000,
  fallback_application_name: 'pgqueue-node-worker' });
pool.on('error', (error) => log('warn', 'idle connection lost', { error: error.message })); // e.g. its backend was terminated
const lease = `${config.leaseSeconds} seconds`;
let stopping = false;
let tasksDone = 0;

function stop(reason) {
  if (!stopping) log('info', 'stopping', { workerId: config.workerId, reason });
  stopping = true;
}

async function workLoop(workerId) {
  while (!stopping) {
    let claimed;
    try {
      ({ rows: [claimed] } = await pool.query(
        'SELECT batch_id, lease_token FROM pgqueue.claim_batch(worker_id => $1, lease => $2::interval)', [workerId, lease]));
    } catch (error) {
      // A contract error here is bad input (PQ004: e.g. an empty worker id): retrying cannot help.
      if (error.code?.startsWith('PQ')) fatal(`claim_batch refused: ${error.code} ${error.message}`);
      log('warn', 'claim failed', { workerId, error: error.message, code: error.code }); // e.g. the database is down
      await sleep(backoffMs());
      continue;
    }
    if (!claimed) {
      if (config.untilEmpty) return;
      await sleep(config.pollMs);
      continue;
    }
    const batch = { workerId, batchId: claimed.batch_id, leaseToken: claimed.lease_token };
    try {
      await drain(batch);
    } catch (error) {
      // Not a contract error (e.g. the task's connection died): the task rolled back; claim again after a pause.
      log('warn', 'batch abandoned after an error', { ...batch, error: error.message, code: error.code });
      await sleep(backoffMs());
    }
  }
}

// Runs the batch's tasks in order until it is empty (or its head waits), the lease is lost or the limit is reached.
async function drain(batch) {
  const heartbeat = startHeartbeat(batch);
  let outcome = 'drained';
  try {
    for (let n = 0; n < config.tasksPerClaim && !stopping; n++) {
      outcome = await runTask(batch, heartbeat.signal);
      if (outcome === 'empty' || outcome === 'lease-lost') break;
    }
  } finally {
    await heartbeat.stop();
    if (outcome !== 'lease-lost') await releaseBatch(batch);
  }
  log('info', 'batch done', { ...batch, stop: outcome });
}

// One task: BEGIN; dequeue_task; handler; complete_task; COMMIT. Returns what happened.
async function runTask(batch, signal) {
  const db = await pool.connect();
  const onError = (error) => log('warn', 'task connection lost', { ...batch, error: error.message });
  db.on('error', onError); // a checked-out connection can die too (pg_terminate_backend, network): don't crash
  let healthy = true;
  let task;
  let handlerError;
  try {
    await db.query('BEGIN');
    ({ rows: [task] } = await db.query(
      'SELECT task_id, task_type, payload, attempts FROM pgqueue.dequeue_task(batch_id => $1, lease_token => $2)',
      [batch.batchId, batch.leaseToken]));
    if (!task) {
      await db.query('ROLLBACK');
      return 'empty'; // the batch is empty, or its head waits for a retry
    }
    Object.assign(task, { batch_id: batch.batchId, lease_token: batch.leaseToken });
    log('info', 'task started', { ...batch, taskId: task.task_id, attempt: task.attempts + 1 });
    try {
      const handler = handlers[task.task_type];
      if (!handler) throw new Error(`no handler for task type ${JSON.stringify(task.task_type)}`);
      await handler(task, { db, pool, signal });
    } catch (error) {
      handlerError = error;
    }
    if (!handlerError) {
      await db.query('SELECT pgqueue.complete_task(task_id => $1, lease_token => $2)', [task.task_id, batch.leaseToken]);
      await db.query('COMMIT');
      tasksDone++;
      if (config.maxTasks > 0 && tasksDone >= config.maxTasks) stop(`${tasksDone} tasks done`);
      return finished(batch, task, 'completed');
    }
    await db.query('ROLLBACK'); // throws if the connection died under the handler: then it is not the task's fault
  } catch (error) {
    healthy = await db.query('ROLLBACK').then(() => true, () => false);
    if (error.code === LEASE_LOST) return finished(batch, task, 'lease-lost');
    if (error.code === NOT_HEAD_TASK) return finished(batch, task, 'not-head');
    throw error;
  } finally {
    db.off('error', onError);
    db.release(healthy ? undefined : new Error('connection broken')); // a broken connection is dropped, not pooled
  }
  // The handler threw and its work is rolled back. A lost lease is not the task's fault either: charge nothing.
  if (signal.aborted) return finished(batch, task, 'lease-lost');
  try {
    const { rows: [{ outcome }] } = await pool.query(
      'SELECT pgqueue.fail_task(task_id => $1, lease_token => $2, error => $3) AS outcome',
      [task.task_id, batch.leaseToken, handlerError.message]);
    return finished(batch, task, outcome, handlerError.message); // 'retry' (the head waits) or 'dead' (the batch goes on)
  } catch (error) {
    if (error.code === LEASE_LOST) return finished(batch, task, 'lease-lost');
    if (error.code === NOT_HEAD_TASK) return finished(batch, task, 'not-head');
    throw error;
  }
}

function finished(batch, task, outcome, error) {
  log(outcome === 'completed' ? 'info' : 'warn', 'task finished',
    { ...batch, taskId: task?.task_id, attempt: task ? task.attempts + 1 : undefined, outcome, error });
  return outcome;
}

// Renews the lease every third of its length on a pooled connection; aborts the signal when the lease is lost.
function startHeartbeat(batch) {
  const lost = new AbortController();
  let timer;
  let beating = Promise.resolve();
  let stopped = false;
  const beat = async () => {
    try {
      const { rows: [row] } = await pool.query(
        'SELECT pgqueue.renew_lease(batch_id => $1, lease_token => $2, lease => $3::interval) AS expires_at',
        [batch.batchId, batch.leaseToken, lease]);
      log('debug', 'lease renewed', { ...batch, expiresAt: row.expires_at });
    } catch (error) {
      if (error.code === LEASE_LOST) {
        log('warn', 'lease lost', { ...batch });
        lost.abort(error);
        return;
      }
      log('warn', 'lease renewal failed', { ...batch, error: error.message }); // try again at the next beat
    }
    if (!stopped) timer = setTimeout(() => { beating = beat(); }, config.leaseSeconds * 1000 / 3);
  };
  timer = setTimeout(() => { beating = beat(); }, config.leaseSeconds * 1000 / 3);
  return {
    signal: lost.signal,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await beating;
    },
  };
}

async function releaseBatch(batch) {
  try {
    await pool.query('SELECT pgqueue.release_batch(batch_id => $1, lease_token => $2)', [batch.batchId, batch.leaseToken]);
  } catch (error) {
    log('warn', 'release failed; the lease will expire', { ...batch, error: error.message });
  }
}

const backoffMs = () => 200 + Math.random() * 800;

// ---- main ---------------------------------------------------------------------------------------------------------
process.on('SIGINT', () => (stopping ? process.exit(130) : stop('SIGINT')));
process.on('SIGTERM', () => (stopping ? process.exit(143) : stop('SIGTERM')));
if (config.seconds > 0) setTimeout(() => stop(`${config.seconds}s passed`), config.seconds * 1000).unref();

log('info', 'worker started', { workerId: config.workerId, concurrency: config.concurrency, lease });
const ids = Array.from({ length: config.concurrency }, (_, i) => (config.concurrency > 1 ? `${config.workerId}-${i + 1}` : config.workerId));
await Promise.all(ids.map(workLoop));
await pool.end();
log('info', 'worker stopped', { workerId: config.workerId, tasksDone });
