// child.mjs — what every peer worker process shares: the IPC protocol with bench.mjs and the per-job record.
//
// Protocol (node IPC, advanced serialization):
//   parent -> child  {type: 'init', cfg}        child sets its peer up without taking any job, then answers 'ready'
//   parent -> child  {type: 'go'}               child starts its workers
//   child  -> parent {type: 'progress', n}      every PROGRESS_EVERY jobs this process has run (so the parent knows
//                                               when to start watching the database for the last completion)
//   parent -> child  {type: 'stop'}             child stops its workers gracefully and answers 'result'
//   child  -> parent {type: 'result', ...}      which jobs ran here, when each started, and anything wrong
//
// The record is in memory and per process (no shared table, no lock), so checking the order costs the peer nothing:
// job i (0 <= i < T) belongs to lane i % L with sequence floor(i / L); its handler stores the monotonic start time
// (process.hrtime is CLOCK_MONOTONIC, the same clock in every process of the machine) and how often it ran.

export const PROGRESS_EVERY = 50;

export function startChild(peer) {
  let cfg = null;
  let runs = null; // Uint32Array(T): how often job i's handler ran in this process
  let startNs = null; // BigInt64Array(T): monotonic start of job i's first run here
  let ran = 0;
  const problems = [];

  function record(i, attempt) {
    if (!Number.isInteger(i) || i < 0 || i >= cfg.tasks) {
      problems.push(`job with unexpected payload index ${i}`);
      return;
    }
    if (runs[i] === 0) startNs[i] = process.hrtime.bigint();
    runs[i] += 1;
    if (attempt !== undefined && attempt !== 1) problems.push(`job ${i} ran at attempt ${attempt}`);
    ran += 1;
    if (ran % PROGRESS_EVERY === 0) process.send({ type: 'progress', n: PROGRESS_EVERY });
  }

  function report(error) {
    problems.push(`${peer.name}: ${error?.stack ?? error}`);
  }

  process.on('message', async (message) => {
    try {
      if (message.type === 'init') {
        cfg = message.cfg;
        runs = new Uint32Array(cfg.tasks);
        startNs = new BigInt64Array(cfg.tasks);
        await peer.init(cfg, { record, report });
        process.send({ type: 'ready' });
      } else if (message.type === 'go') {
        await peer.go();
      } else if (message.type === 'stop') {
        process.send({ type: 'progress', n: ran % PROGRESS_EVERY });
        await peer.stop();
        // Disconnect only once the result is written: a disconnect right after send() can drop it.
        process.send({ type: 'result', runs, startNs, problems }, () => process.disconnect());
      }
    } catch (error) {
      report(error);
      process.send({ type: 'failed', problems }, () => process.disconnect());
      process.exitCode = 1;
    }
  });
  process.on('disconnect', () => {
    // The parent went away (killed or done): do not linger with open pools.
    setTimeout(() => process.exit(process.exitCode ?? 0), 10_000).unref();
  });
}
