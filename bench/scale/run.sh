#!/usr/bin/env bash
# run.sh — scale and bloat benchmarks of PgQueue's SQL functions (issue 5, items 3 and 5), with psql and pgbench only.
#
#   bash bench/scale/run.sh --url LIBPQ_URL --out DIR [--smoke] [--keep] [--tune-server]
#
# LIBPQ_URL reaches a throwaway PostgreSQL 15 as a superuser (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
# The run creates its own databases there (pgqueue_bench_scale, pgqueue_bench_bloat_default,
# pgqueue_bench_bloat_tuned), installs database/ into each with psql exactly as database/tests/run.sh does
# (migrations, functions, views, one transaction), and drops them at the end (--keep leaves them).
# It writes DIR/scale.md, DIR/bloat.md and DIR/scale.json. Exits non-zero on a broken run (a failed setup, an
# aborted pgbench client, a lost task, a stalled queue), never on a slow figure: missed targets are reported.
#
# Scale (item 3): p50/p99 latency of claim_batch (a claim + release cycle), dequeue_task (inside a leased batch) and,
# in the batch range, an idle claim_batch (nothing runnable), with 1k/100k/1M pending tasks (over 100 batches) and
# with 10/10k/100k batches of which 2 are runnable and the rest idle. One pgbench client, -M prepared, a
# per-transaction log (-l) from which p50/p99 are taken (nearest rank); a SELECT 1 script measured the same way is the
# floor (pgbench + round trip); the server-side mean time per call comes from pg_stat_user_functions
# (track_functions = pl for the measuring session).
# Bloat (item 5): 1M tasks through the queue (enqueue_many of 1,000 per call into 200 batches; 4 pgbench workers
# claiming a batch, running dequeue_task + complete_task, releasing after 100 tasks), with PostgreSQL's default
# storage settings and with the migrations' own, sampled every 100k completed tasks. --tune-server (only for a
# throwaway server: bench/run.sh passes it when it started the cluster itself) adds a third run with the migrations'
# settings and autovacuum_naptime = 10s (ALTER SYSTEM, reset afterwards), the server setting README advises.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
database_dir=$repo_root/database

url=
out=
smoke=0
keep=0
tune_server=0
usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --url) url=${2:?--url needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --keep) keep=1; shift ;;
    --tune-server) tune_server=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n $url && -n $out ]] || { usage >&2; exit 2; }

if [[ -n ${PG_BINDIR:-} ]]; then
  pg_bin=$PG_BINDIR
elif [[ -x /usr/lib/postgresql/15/bin/pgbench ]]; then
  pg_bin=/usr/lib/postgresql/15/bin
else
  pg_bin=$(dirname "$(command -v pgbench)")
fi
export PATH="$pg_bin:$PATH"

# Sizes. The full run takes about 15-20 minutes on 2 cores, most of it the bloat runs (each at least five vacuum
# cycles); --smoke about a minute.
if [[ $smoke -eq 1 ]]; then
  mode=smoke
  pending_sizes=(1000 5000 20000)
  batch_sizes=(10 100 1000)
  rounds=1
  measure_args=(-t 100)
  warmup_transactions=0
  bloat_tasks=4000
  nap10_tasks=12000
  bloat_sample_every=2000
  bloat_backlog=3000
  bloat_chunk_calls=2
  bloat_budget_seconds=30
  bloat_min_autovacuums=0
else
  mode=full
  pending_sizes=(1000 100000 1000000)
  batch_sizes=(10 10000 100000)
  rounds=3
  measure_args=(-T 1)
  warmup_transactions=200
  bloat_tasks=1000000
  nap10_tasks=3000000
  bloat_chunk_calls=10
  bloat_budget_seconds=480
  # A bloat run goes on past its task count until autovacuum has processed tasks this often: between two vacuums the
  # table grows by the tasks completed meanwhile, so "flat" can only be read over several vacuum cycles (a quiet
  # machine puts 1M tasks through within one 60 s autovacuum_naptime).
  bloat_min_autovacuums=5
  bloat_sample_every=100000
  bloat_backlog=20000
fi
pending_batches=100      # pending tasks are spread over this many batches
runnable_batches=2       # in the batch range, batches with runnable work; the rest are idle
runnable_tasks=1000      # tasks in each runnable batch (claims and dequeues do not consume them)
bloat_workers=4          # pgbench clients running tasks
bloat_batches=200        # batches the producer enqueues into
bloat_per_call=1000      # tasks per enqueue_many call
bloat_drain_limit=100    # tasks a worker runs per lease before releasing it
stall_seconds=120        # a bloat run with no completed task for this long is broken

work_dir=$(mktemp -d /tmp/pgqueue-bench-scale.XXXXXX)
worker_pid=
created_databases=()
cleanup() {
  if [[ -n $worker_pid ]] && kill -0 "$worker_pid" 2>/dev/null; then
    kill "$worker_pid" 2>/dev/null || true
    wait "$worker_pid" 2>/dev/null || true
  fi
  if [[ $tune_server -eq 1 ]]; then
    psql "$url" -X -q -c "ALTER SYSTEM RESET autovacuum_naptime" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  fi
  if [[ $keep -eq 0 ]]; then
    for db in "${created_databases[@]}"; do
      psql "$url" -X -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

started=$(date +%s)
say() { printf '[scale %4ds] %s\n' "$(($(date +%s) - started))" "$*"; }
die() { printf 'bench/scale/run.sh: %s\n' "$*" >&2; exit 1; }

# The same server and credentials, another database: a later dbname keyword overrides the first in libpq.
connection_to() {
  local database=$1
  if [[ $url =~ ^postgres(ql)?:// ]]; then
    if [[ $url == *\?* ]]; then printf '%s&dbname=%s' "$url" "$database"
    else printf '%s?dbname=%s' "$url" "$database"; fi
  else
    printf '%s dbname=%s' "$url" "$database"
  fi
}

# A fresh database with database/ installed in DbUp's order (migrations, functions, views), one transaction.
install_database() {
  local database=$1 files=() file
  psql "$url" -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" -c "CREATE DATABASE \"$database\"" >/dev/null \
    || die "cannot create database $database (the --url role needs CREATEDB)"
  created_databases+=("$database")
  while IFS= read -r file; do files+=(-f "$file"); done < <(
    for group in migrations functions views; do
      find "$database_dir/$group" -maxdepth 1 -name '*.sql' -type f | LC_ALL=C sort
    done)
  psql "$(connection_to "$database")" -X -q -1 -v ON_ERROR_STOP=1 "${files[@]}" >/dev/null \
    || die "installing database/ into $database failed"
}

q() { psql "$1" -X -q -At -v ON_ERROR_STOP=1 -c "$2"; }

# ---------------------------------------------------------------------------------------------------------------
# Scale
#
# Every size has its own database, set up once; the figures are then measured in rounds (each round measures every
# size one after the other), and each figure pools its rounds. Load from whatever else runs on the machine then falls
# on every size alike instead of on whichever size happened to run during a busy minute.

raw=$work_dir/raw.tsv   # range, size, measure, server ms total, calls, (latencies are in $work_dir/lat-*)
: >"$raw"
buffers=$work_dir/buffers.tsv  # range, size, measure, buffers per call
: >"$buffers"

db_for() { printf 'pgqueue_bench_scale_%s_%s' "$1" "$2"; }

# measure RANGE SIZE MEASURE SCRIPT FUNCTIONS [pgbench -D ...]: one pgbench client for measure_seconds after a
# warm-up; latencies go to $work_dir/lat-RANGE-SIZE-MEASURE, server time per transaction (FUNCTIONS, comma-separated,
# summed; calls of the first) to $raw.
measure() {
  local range=$1 size=$2 name=$3 script=$4 functions=$5
  shift 5
  local conn log_prefix=$work_dir/log status=0 fn
  conn=$(connection_to "$(db_for "$range" "$size")")
  [[ $range == floor ]] && conn=$(connection_to "$(db_for pending "${pending_sizes[0]}")")
  rm -f "$log_prefix".*
  if ((warmup_transactions > 0)); then
    pgbench -n -M prepared -c 1 -t "$warmup_transactions" "$@" -f "$here/pgbench/$script" "$conn" \
      >"$work_dir/pgbench.out" 2>&1 || status=$?
  fi
  if [[ $status -eq 0 && -n $functions ]]; then
    # Only these functions' counters: pg_stat_reset() would also zero n_dead_tup, which autovacuum goes by.
    q "$conn" "SELECT pg_stat_reset_single_function_counters(p.oid)
                 FROM pg_proc AS p
                WHERE p.pronamespace = 'pgqueue'::regnamespace
                  AND p.proname = ANY (string_to_array('$functions', ','))" >/dev/null
  fi
  if [[ $status -eq 0 ]]; then
    PGOPTIONS="-c track_functions=pl" pgbench -n -M prepared -c 1 "${measure_args[@]}" -l --log-prefix="$log_prefix" \
      "$@" -f "$here/pgbench/$script" "$conn" >"$work_dir/pgbench.out" 2>&1 || status=$?
  fi
  if [[ $status -ne 0 ]] || grep -q 'aborted' "$work_dir/pgbench.out"; then
    cat "$work_dir/pgbench.out" >&2
    die "pgbench $script failed ($range $size)"
  fi
  # pgbench's log: client, transaction, latency in microseconds, script, epoch seconds, microseconds.
  cat "$log_prefix".* | awk '{ print $3 }' >>"$work_dir/lat-$range-$size-$name"
  local server=
  if [[ -n $functions ]]; then
    local attempt
    for attempt in $(seq 1 20); do
      # The counters arrive when the pgbench backend exits.
      server=$(q "$conn" "SELECT sum(total_time) || E'\t' || min(calls)
                            FROM pg_stat_user_functions
                           WHERE schemaname = 'pgqueue' AND funcname = ANY (string_to_array('$functions', ','))
                          HAVING min(calls) > 0 AND count(*) = cardinality(string_to_array('$functions', ','))")
      [[ -n $server ]] && break
      sleep 0.2
    done
    [[ -n $server ]] || die "no function statistics arrived for $functions ($range $size)"
  fi
  printf '%s\t%s\t%s\t%s\n' "$range" "$size" "$name" "${server:-$'\t'}" >>"$raw"
}

# Leases BATCH in database DB for a day and prints its lease token.
lease() {
  q "$(connection_to "$1")" "SELECT c.lease_token
                              FROM pgqueue.claim_batch(worker_id => 'bench-holder', preferred_batch_id => '$2',
                                                       lease => interval '1 day') AS c"
}

# Buffers one call reads (sql/buffers.sql), once per size and measure after the rounds.
count_buffers() {
  local range=$1 size=$2 name=$3 batch_id=${4:-none} token=${5:-0} n
  # After a VACUUM: dead index entries left by the rounds' claim cycles (autovacuum clears them on its own
  # schedule) would make the count depend on when autovacuum last came by.
  psql "$(connection_to "$(db_for "$range" "$size")")" -X -q -v ON_ERROR_STOP=1 \
    -c "VACUUM pgqueue.batches, pgqueue.tasks" >/dev/null || die "VACUUM failed ($range $size)"
  n=$(psql "$(connection_to "$(db_for "$range" "$size")")" -X -q -At -v ON_ERROR_STOP=1 -v measure="$name" \
        -v batch_id="$batch_id" -v lease_token="$token" -f "$here/sql/buffers.sql" | tail -n 1) \
    || die "buffers.sql failed ($range $size $name)"
  printf '%s\t%s\t%s\t%s\n' "$range" "$size" "$name" "$n" >>"$buffers"
}

say "scale: $mode run, results in $out"
declare -A dequeue_token
for size in "${pending_sizes[@]}"; do
  db=$(db_for pending "$size")
  say "setup: $db, $size pending tasks over $pending_batches batches"
  install_database "$db"
  psql "$(connection_to "$db")" -X -q -v ON_ERROR_STOP=1 -v pending="$size" -v batches="$pending_batches" \
    -f "$here/sql/setup_pending.sql" -c "VACUUM (ANALYZE) pgqueue.tasks, pgqueue.batches" >/dev/null \
    || die "setup_pending.sql failed for $size"
  dequeue_token[pending-$size]=$(lease "$db" pending-1)
  [[ -n ${dequeue_token[pending-$size]} ]] || die "could not lease pending-1 in $db"
done
for size in "${batch_sizes[@]}"; do
  db=$(db_for batches "$size")
  say "setup: $db, $size batches: $runnable_batches runnable, $((size - runnable_batches)) idle"
  install_database "$db"
  psql "$(connection_to "$db")" -X -q -v ON_ERROR_STOP=1 -v total="$size" -v runnable="$runnable_batches" \
    -v runnable_tasks="$runnable_tasks" -f "$here/sql/setup_batches.sql" \
    -c "VACUUM (ANALYZE) pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks" >/dev/null \
    || die "setup_batches.sql failed for $size"
  dequeue_token[batches-$size]=$(lease "$db" run-1)
  [[ -n ${dequeue_token[batches-$size]} ]] || die "could not lease run-1 in $db"
done
scale_conn=$(connection_to "$(db_for pending "${pending_sizes[0]}")")
server_version=$(q "$scale_conn" "SHOW server_version")
server_settings=$(q "$scale_conn" "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
                                     FROM pg_settings
                                    WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes',
                                                   'autovacuum_naptime', 'autovacuum_max_workers',
                                                   'autovacuum_vacuum_cost_delay', 'autovacuum_vacuum_cost_limit',
                                                   'autovacuum_vacuum_scale_factor', 'autovacuum_vacuum_threshold',
                                                   'max_connections', 'work_mem')")
PGOPTIONS="-c track_functions=pl" psql "$scale_conn" -X -q -c "SELECT 1" >/dev/null 2>&1 \
  || die "the --url role cannot set track_functions (needs a superuser)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for round in $(seq 1 "$rounds"); do
  say "round $round of $rounds"
  measure floor 0 select1 select1.sql ""
  for size in "${pending_sizes[@]}"; do
    measure pending "$size" claim_cycle claim_cycle.sql "claim_batch,release_batch"
    measure pending "$size" dequeue dequeue.sql "dequeue_task" -D batch_id=pending-1 \
      -D lease_token="${dequeue_token[pending-$size]}"
  done
  for size in "${batch_sizes[@]}"; do
    db=$(db_for batches "$size")
    measure batches "$size" claim_cycle claim_cycle.sql "claim_batch,release_batch"
    measure batches "$size" dequeue dequeue.sql "dequeue_task" -D batch_id=run-1 \
      -D lease_token="${dequeue_token[batches-$size]}"
    # Nothing runnable: lease the other runnable batches for the idle claim, then give them back.
    held=()
    for r in $(seq 2 "$runnable_batches"); do
      token=$(lease "$db" "run-$r")
      [[ -n $token ]] || die "could not lease run-$r in $db"
      held+=("run-$r:$token")
    done
    [[ $(q "$(connection_to "$db")" "SELECT count(*) FROM pgqueue.claim_batch(worker_id => 'bench-check')") == 0 ]] \
      || die "a claim found work in $db where every batch should be idle"
    measure batches "$size" idle_claim idle_claim.sql "claim_batch"
    if [[ $round -eq $rounds ]]; then
      count_buffers batches "$size" idle_claim
    fi
    for h in "${held[@]}"; do
      q "$(connection_to "$db")" "SELECT pgqueue.release_batch(batch_id => '${h%%:*}', lease_token => ${h##*:})" \
        >/dev/null
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for size in "${pending_sizes[@]}"; do
  count_buffers pending "$size" claim_cycle
  count_buffers pending "$size" dequeue pending-1 "${dequeue_token[pending-$size]}"
done
for size in "${batch_sizes[@]}"; do
  count_buffers batches "$size" claim_cycle
  count_buffers batches "$size" dequeue run-1 "${dequeue_token[batches-$size]}"
done

# Pool the rounds: range, size, measure, transactions, p50, p99, mean (ms), server ms per call, buffers per call.
results=$work_dir/results.tsv
: >"$results"
while IFS=$'\t' read -r range size name; do
  stats=$(sort -n "$work_dir/lat-$range-$size-$name" | awk '
    { v[NR] = $1; s += $1 }
    END {
      if (NR == 0) exit 1
      i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
      i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
      printf "%d\t%.3f\t%.3f\t%.3f", NR, v[i50] / 1000, v[i99] / 1000, s / NR / 1000
    }') || die "pgbench wrote no transactions for $range $size $name"
  server_ms=$(awk -F'\t' -v r="$range" -v z="$size" -v m="$name" '$1 == r && $2 == z && $3 == m && $5 > 0 {
      t += $4; c += $5 } END { if (c > 0) printf "%.4f", t / c }' "$raw")
  buffer_count=$(awk -F'\t' -v r="$range" -v z="$size" -v m="$name" '$1 == r && $2 == z && $3 == m { print $4 }' \
    "$buffers")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$range" "$size" "$name" "$stats" "$server_ms" "$buffer_count" >>"$results"
done < <(cut -f1-3 "$raw" | awk '!seen[$0]++')
while IFS=$'\t' read -r range size name n p50 p99 _ server_ms buffer_count; do
  say "  $range $size $name: p50 $p50 ms, p99 $p99 ms over $n transactions${server_ms:+, server $server_ms ms/call}${buffer_count:+, $buffer_count buffers/call}"
done <"$results"

# ---------------------------------------------------------------------------------------------------------------
# Bloat

samples=$work_dir/samples.csv   # config, completed, elapsed s, then sizes.sql's columns
: >"$samples"
bloat_summary=$work_dir/bloat.tsv  # config, tasks, seconds, tasks/s, reloptions tasks, reloptions batches, tasks aimed at
: >"$bloat_summary"

bloat_run() {
  local config=$1 tasks=$2 database=pgqueue_bench_bloat_$1
  local budget=$((bloat_budget_seconds * tasks / bloat_tasks)) every=$((bloat_sample_every * tasks / bloat_tasks))
  say "bloat ($config): installing $database"
  install_database "$database"
  local conn
  conn=$(connection_to "$database")
  # pgstattuple (contrib) tells how much of the indexes' files is free pages (deleted by VACUUM, ready for reuse);
  # a server without it gives an empty column.
  local index_free_sql="SELECT ''"
  if q "$conn" "CREATE EXTENSION IF NOT EXISTS pgstattuple" >/dev/null 2>&1; then
    index_free_sql=$(cat "$here/sql/index_free.sql")
  fi
  if [[ $config == default ]]; then
    psql "$conn" -X -q -f "$here/sql/reset_storage.sql" >/dev/null || die "reset_storage.sql failed"
  fi
  local opts_tasks opts_batches
  opts_tasks=$(q "$conn" "SELECT coalesce(array_to_string(reloptions, ', '), '(none: PostgreSQL defaults)')
                            FROM pg_class WHERE oid = 'pgqueue.tasks'::regclass")
  opts_batches=$(q "$conn" "SELECT coalesce(array_to_string(reloptions, ', '), '(none: PostgreSQL defaults)')
                              FROM pg_class WHERE oid = 'pgqueue.batches'::regclass")
  say "bloat ($config): tasks ($opts_tasks), batches ($opts_batches)"

  local t0 worker_log=$work_dir/workers-$config.out
  t0=$(date +%s.%N)
  pgbench -n -M prepared -c "$bloat_workers" -j 2 -T 3600 -D token=0 -D batch_id=none -D done=0 -D completed=0 \
    -D drain_limit="$bloat_drain_limit" -f "$here/pgbench/worker.sql" "$conn" >"$worker_log" 2>&1 &
  worker_pid=$!

  local enqueued=0 pending=0 completed=0 next_sample=0 last_completed=-1 last_progress line now
  local target=$tasks deadline=$(($(date +%s) + budget)) sampled_at=-1
  last_progress=$(date +%s)
  sample() {
    line=$(q "$conn" "$(cat "$here/sql/sizes.sql")")
    line+=,$(q "$conn" "$index_free_sql")
    now=$(date +%s.%N)
    printf '%s,%s,%s,%s\n' "$config" "$completed" "$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.1f", b - a }')" \
      "$line" >>"$samples"
  }
  while :; do
    kill -0 "$worker_pid" 2>/dev/null || { cat "$worker_log" >&2; die "bloat ($config): the pgbench workers stopped"; }
    pending=$(q "$conn" "SELECT count(*) FROM pgqueue.tasks")
    completed=$((enqueued - pending))
    if ((enqueued >= target && bloat_min_autovacuums > 0 && $(date +%s) < deadline)) \
       && (($(q "$conn" "SELECT autovacuum_count FROM pg_stat_user_tables WHERE relid = 'pgqueue.tasks'::regclass") < bloat_min_autovacuums)); then
      target=$((target + bloat_chunk_calls * bloat_per_call))
    fi
    if ((completed >= next_sample || (completed >= target && sampled_at != completed))); then
      sample
      sampled_at=$completed
      say "bloat ($config): $completed of $target completed, $pending pending; tasks heap+indexes $(
        awk -F, '{ printf "%.1f MB", ($4 + $5) / 1048576 }' <<<"$(tail -n 1 "$samples")")"
      next_sample=$((next_sample + every))
    fi
    if ((completed != last_completed)); then
      last_completed=$completed
      last_progress=$(date +%s)
    elif (($(date +%s) - last_progress > stall_seconds)); then
      die "bloat ($config): no task completed for $stall_seconds s ($completed of $tasks)"
    fi
    ((completed >= target && sampled_at == completed)) && break
    if ((enqueued < target && $(date +%s) > deadline)); then
      # Out of time: stop producing, drain what is pending, and report the count reached.
      target=$enqueued
      say "bloat ($config): time budget of $budget s spent; draining the $pending pending tasks"
      continue
    fi
    if ((enqueued < target && pending < bloat_backlog)); then
      pgbench -n -M prepared -c 1 -t "$bloat_chunk_calls" -D batches="$bloat_batches" -D per_call="$bloat_per_call" \
        -f "$here/pgbench/enqueue.sql" "$conn" >"$work_dir/producer.out" 2>&1 \
        || { cat "$work_dir/producer.out" >&2; die "bloat ($config): enqueue_many failed"; }
      enqueued=$((enqueued + bloat_chunk_calls * bloat_per_call))
    else
      sleep 0.5
    fi
  done
  local t1 seconds
  t1=$(date +%s.%N)
  kill "$worker_pid" 2>/dev/null || true
  wait "$worker_pid" 2>/dev/null || true
  worker_pid=
  if grep -q 'aborted\|ERROR' "$worker_log"; then
    cat "$worker_log" >&2
    die "bloat ($config): a worker failed"
  fi
  # Nothing lost: every enqueued task was completed (none dead, none left), and every id was handed out once.
  local check
  check=$(q "$conn" "SELECT (SELECT count(*) FROM pgqueue.tasks) || ' ' || (SELECT count(*) FROM pgqueue.dead_tasks)
                            || ' ' || (SELECT last_value FROM pgqueue.task_id_seq)")
  [[ $check == "0 0 $enqueued" ]] || die "bloat ($config): expected 0 pending, 0 dead, $enqueued ids; got $check"
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$enqueued" "$seconds" \
    "$(awk -v n="$enqueued" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')" "$opts_tasks" "$opts_batches" "$tasks" \
    >>"$bloat_summary"
  say "bloat ($config): $enqueued tasks in $seconds s"
}

bloat_run default "$bloat_tasks"
bloat_run tuned "$bloat_tasks"
if [[ $tune_server -eq 1 ]]; then
  # autovacuum_naptime is a server setting (no table can shorten it): the server is a throwaway one here.
  q "$url" "ALTER SYSTEM SET autovacuum_naptime = '10s'" >/dev/null
  q "$url" "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  say "bloat (nap10): autovacuum_naptime is now $(q "$url" "SHOW autovacuum_naptime")"
  # Three times as many tasks as the other two: "flat" is a claim about the long run, and 1M tasks with a sample every
  # 100k cannot tell a level from a slow climb.
  bloat_run nap10 "$nap10_tasks"
  q "$url" "ALTER SYSTEM RESET autovacuum_naptime" >/dev/null
  q "$url" "SELECT pg_reload_conf()" >/dev/null
fi

# ---------------------------------------------------------------------------------------------------------------
# Reports

mkdir -p "$out"
total_seconds=$(($(date +%s) - started))
command_line="bash bench/scale/run.sh --url <LIBPQ_URL> --out <DIR>"
[[ $smoke -eq 1 ]] && command_line+=" --smoke"

# growth RANGE MEASURE: p99(largest size) / p99(smallest size).
growth() {
  awk -F'\t' -v r="$1" -v m="$2" '$1 == r && $3 == m { if (first == "") first = $6; last = $6 }
    END { if (first > 0) printf "%.2f", last / first; else printf "null" }' "$results"
}
verdict() { awk -v g="$1" 'BEGIN { if (g == "null") print "n/a"; else if (g + 0 < 2) print "met (< 2×)"; else print "MISSED (≥ 2×)" }'; }

scale_table() {
  local range=$1 label=$2
  printf '| %s | measure | transactions | p50 ms | p99 ms | mean ms | server ms/call | buffers/call |\n' "$label"
  printf '|---:|---|---:|---:|---:|---:|---:|---:|\n'
  awk -F'\t' -v r="$range" '$1 == r {
      printf "| %\047d | %s | %d | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9
    }' "$results"
}
floor_figures=$(awk -F'\t' '$1 == "floor" { printf "p50 %s ms, p99 %s ms over %d transactions", $5, $6, $4 }' "$results")

{
  echo "## Scale: claim_batch and dequeue_task latency (issue 5, item 3)"
  echo
  echo "Produced by \`$command_line\` ($mode run, $(date -u '+%Y-%m-%d %H:%M UTC'), $total_seconds s for scale and bloat together)"
  echo "on PostgreSQL $server_version, $(nproc) cores (load average $load_before before the rounds, $load_after after);"
  echo "server settings: $server_settings."
  echo
  echo "**Method.** Every size has its own database (database/ installed by psql, then bench/scale/sql/setup_*.sql:"
  echo "INSERT ... SELECT consistent with what the functions write, then \`VACUUM (ANALYZE)\`). The figures are measured"
  echo "in $rounds round(s); a round measures every size once, one after the other, and each figure pools its rounds, so"
  echo "load from anything else on the machine falls on every size alike. One measurement is one pgbench client"
  echo "(\`pgbench -n -M prepared -c 1 ${measure_args[*]} -l\`) after $warmup_transactions unlogged warm-up transactions."
  echo "p50/p99 are nearest-rank percentiles of the per-transaction latencies in pgbench's log (client side, round trips"
  echo "included). The floor of that method, \`SELECT 1\` measured the same way in every round: **$floor_figures**."
  echo "\`server ms/call\`: time inside the functions per transaction, from \`pg_stat_user_functions\`"
  echo "(\`track_functions = pl\` for the measuring session; no client, no network, but it does include time the OS took"
  echo "the CPU away). \`buffers/call\`: shared buffers (hit or read) over pgqueue's tables and indexes for one call,"
  echo "counted with \`pg_stat_get_xact_blocks_fetched\` in a rolled-back transaction after the rounds"
  echo "(bench/scale/sql/buffers.sql), right after a VACUUM of batches and tasks: the one figure machine load cannot move."
  echo
  echo "- \`claim_cycle\`: \`claim_batch\` then \`release_batch\` (bench/scale/pgbench/claim_cycle.sql; two round trips, two"
  echo "  autocommit transactions). The released batch's head is due now, so the cycle walks round the runnable batches."
  echo "  Server time and buffers: both functions."
  echo "- \`dequeue\`: \`dequeue_task\` on a batch leased for the whole run (dequeue.sql), one autocommit transaction: its head"
  echo "  lock ends with it, so each call returns the same head, as the first dequeue after a claim does."
  echo "- \`idle_claim\`: \`claim_batch\` when no batch is runnable (idle_claim.sql): it returns zero rows."
  echo
  echo "**Pending range.** ${pending_sizes[*]} pending tasks spread round-robin over $pending_batches batches, all runnable"
  echo "(one of them leased for the dequeue figure)."
  echo
  scale_table pending "pending tasks"
  echo
  for m in claim_cycle dequeue; do
    g=$(growth pending $m)
    echo "- $m: p99(${pending_sizes[-1]}) / p99(${pending_sizes[0]}) = **$g×** — target < 2×: $(verdict "$g")"
  done
  echo
  echo "**Batch range.** ${batch_sizes[*]} batches: $runnable_batches runnable (${runnable_tasks} tasks each; run-1 is leased"
  echo "for the dequeue figure, so claims cycle over the rest), the others idle, in turn: empty (head_due_at NULL),"
  echo "holding only a dead task, paused with a pending task, head delayed a day by run_after, leased by another live"
  echo "worker for a day. \"Idle\" is DESIGN.md's \"nothing to do\" (empty, paused, only delayed heads, only dead tasks)"
  echo "plus live leases: batches a claim must neither take nor pay for. For \`idle_claim\` the runnable batches are"
  echo "leased too, so nothing at all is runnable."
  echo
  scale_table batches "batches"
  echo
  for m in claim_cycle dequeue idle_claim; do
    g=$(growth batches $m)
    echo "- $m: p99(${batch_sizes[-1]}) / p99(${batch_sizes[0]}) = **$g×** — target < 2×: $(verdict "$g")"
  done
  echo
  echo "Absolute times drift on a shared machine; the ratios inside one run are the figures to read, and buffers/call"
  echo "says whether a function reads more as the queue grows."
} >"$work_dir/scale.md"

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
{
  echo "## Bloat: pgqueue.tasks and pgqueue.batches sizes while at least $bloat_tasks tasks go through (issue 5, item 5)"
  echo
  echo "Read *late/early peak* below: the largest size in the second half of a run over the largest in the first half."
  echo "About 1 means the size levelled off; above 1, it was still climbing."
  echo
  echo "Produced by \`$command_line\` ($mode run) on PostgreSQL $server_version; server settings: $server_settings."
  echo
  echo "**Method.** Two fresh databases on the same server, one after the other, each with database/ installed by psql."
  echo "\`default\`: every storage parameter on tasks and batches RESET (fillfactor 100, the server's autovacuum settings;"
  echo "bench/scale/sql/reset_storage.sql). \`tuned\`: the storage settings the migrations choose. Workload, the same for"
  echo "both: a producer enqueues with \`enqueue_many\` ($bloat_per_call tasks per call, random batch of $bloat_batches,"
  echo "$bloat_chunk_calls calls per step, a step whenever fewer than $bloat_backlog tasks are pending) until $bloat_tasks"
  echo "tasks were enqueued and autovacuum had processed tasks at least $bloat_min_autovacuums times (between two vacuums"
  echo "the table grows by the tasks completed meanwhile, so flat can only be read over several vacuum cycles), or until"
  echo "$bloat_budget_seconds s had passed (then what is pending is drained and the count reached is reported); $bloat_workers pgbench workers (bench/scale/pgbench/worker.sql) each claim a batch, run"
  echo "tasks one per transaction (\`dequeue_task\` + \`complete_task\` in one statement) and release the lease after"
  echo "$bloat_drain_limit tasks or when the batch has nothing runnable. Sizes (bench/scale/sql/sizes.sql) are sampled"
  echo "every $bloat_sample_every completed tasks (in proportion in a longer run); no manual VACUUM at any point. Checked at the end: nothing pending,"
  echo "nothing dead, every id handed out once."
  echo
  echo "| config | tasks | seconds | tasks/s | storage parameters on tasks | on batches |"
  echo "|---|---:|---:|---:|---|---|"
  awk -F'\t' '{ printf "| %s | %\047d | %s | %\047d | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$bloat_summary"
  awk -F'\t' '$2 < $7 { printf "\n**Stopped early:** %s reached %\047d of %\047d tasks within its time budget.\n", $1, $2, $7 }' \
    "$bloat_summary"
  echo
  echo "Sizes in MB (heap = main fork; indexes = all of tasks' indexes), one table per run, at most 12 of its samples"
  echo "(evenly spaced, the last one always; *late/early peak* below uses them all). *free* is the part of the index files"
  echo "that is free pages (deleted by VACUUM, reused by the next page splits; bench/scale/sql/index_free.sql, pgstattuple):"
  echo "the rest is the live tree, pending tasks plus entries of completed ones no VACUUM has reached yet, so its"
  echo "high-water mark follows the tasks completed between two vacuums."
  echo
  if grep -q '^nap10,' "$samples"; then
    echo "\`nap10\`: the migrations' storage settings again, on the same server with \`autovacuum_naptime = 10s\` (the"
    echo "setting README's DBA section advises for busy queues; PostgreSQL's default is 60 s), the same workload for at least"
    echo "$(awk -F'\t' '$1 == "nap10" { printf "%\047d", $7 }' "$bloat_summary") tasks, three times as many, because flat is a claim about the long run."
    echo
  fi
  for config in default tuned nap10; do
    grep -q "^$config," "$samples" || continue
    echo "**$config**"
    echo
    echo "| sample | completed | seconds | tasks heap | tasks indexes | of which free | batches total | autovacuums of tasks | pending |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk -F, -v c="$config" '$1 == c { row[++n] = $0 }
      END {
        step = int((n + 10) / 11); if (step < 1) step = 1
        for (i = 1; i <= n; i++) {
          if ((i - 1) % step != 0 && i != n) continue
          split(row[i], f, ",")
          printf "| %d | %\047d | %.0f | %.1f | %.1f | %s | %.2f | %d | %\047d |\n", i, f[2], f[3], f[4] / 1048576, f[5] / 1048576,
                 (f[14] == "" ? "n/a" : sprintf("%.1f", f[14] / 1048576)), f[9] / 1048576, f[11], f[13]
        }
      }' "$samples"
    echo
  done
  for config in default tuned nap10; do
    awk -F, -v c="$config" -v ran="$(awk -F'\t' -v c="$config" '$1 == c { print $2 }' "$bloat_summary")" '
      $1 == c && $2 > 0 {
        s = $4 + $5; last = s; free = $14; n++
        if (n == 1) first = s
        if ($2 <= ran / 2) { if (s > early) early = s } else if (s > late) late = s
      }
      END {
        if (n && early > 0 && late > 0)
          printf "- %s: tasks heap+indexes %.1f MB at the first sample after work, %.1f MB at the end (%s of the indexes free pages); peak %.1f MB in the first half of the run, %.1f MB in the second: **late/early peak %.2f×**\n",
                 c, first / 1048576, last / 1048576, (free == "" ? "n/a MB" : sprintf("%.1f MB", free / 1048576)),
                 early / 1048576, late / 1048576, late / early
        else if (n)
          printf "- %s: tasks heap+indexes %.1f MB at the end; too few samples to compare the two halves of the run\n",
                 c, last / 1048576
      }' "$samples"
  done
  echo
  echo "(The first sample is taken before any task completed, the next ones when the completed count first reaches each"
  echo "mark, so a count may be a little past its mark.)"
} >"$work_dir/bloat.md"

# scale.json: every figure, for the orchestrator.
{
  printf '{\n  "mode": "%s",\n  "server_version": "%s",\n  "seconds": %s,\n' "$mode" "$server_version" "$total_seconds"
  printf '  "parameters": {"measure": "%s", "warmup_transactions": %s, "pending_sizes": [%s], "pending_batches": %s,\n' \
    "${measure_args[*]}" "$warmup_transactions" "$(IFS=,; echo "${pending_sizes[*]}")" "$pending_batches"
  printf '    "batch_sizes": [%s], "runnable_batches": %s, "runnable_tasks": %s, "bloat_tasks": %s, "bloat_workers": %s,\n' \
    "$(IFS=,; echo "${batch_sizes[*]}")" "$runnable_batches" "$runnable_tasks" "$bloat_tasks" "$bloat_workers"
  printf '    "bloat_batches": %s, "bloat_per_call": %s, "bloat_drain_limit": %s, "bloat_backlog": %s, "rounds": %s},\n' \
    "$bloat_batches" "$bloat_per_call" "$bloat_drain_limit" "$bloat_backlog" "$rounds"
  printf '  "load_average": {"before": "%s", "after": "%s"},\n' "$load_before" "$load_after"
  printf '  "latency": [\n'
  awk -F'\t' '{ printf "%s    {\"range\": \"%s\", \"size\": %s, \"measure\": \"%s\", \"transactions\": %s, \"p50_ms\": %s, \"p99_ms\": %s, \"mean_ms\": %s, \"server_ms_per_call\": %s, \"buffers_per_call\": %s}",
                 (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, $6, $7, ($8 == "" ? "null" : $8), ($9 == "" ? "null" : $9) } END { print "" }' "$results"
  printf '  ],\n  "p99_growth": {"pending": {"claim_cycle": %s, "dequeue": %s}, "batches": {"claim_cycle": %s, "dequeue": %s, "idle_claim": %s}},\n' \
    "$(growth pending claim_cycle)" "$(growth pending dequeue)" "$(growth batches claim_cycle)" \
    "$(growth batches dequeue)" "$(growth batches idle_claim)"
  printf '  "bloat": {\n'
  awk -F'\t' '{ printf "%s    \"%s\": {\"tasks\": %s, \"seconds\": %s, \"tasks_per_second\": %s}", (NR > 1 ? ",\n" : ""), $1, $2, $3, $4 }
              END { print "" }' "$bloat_summary"
  printf '  },\n  "bloat_samples": [\n'
  awk -F, '{ printf "%s    {\"config\": \"%s\", \"completed\": %s, \"elapsed_s\": %s, \"tasks_heap_bytes\": %s, \"tasks_index_bytes\": %s, \"tasks_total_bytes\": %s, \"batches_heap_bytes\": %s, \"batches_index_bytes\": %s, \"batches_total_bytes\": %s, \"tasks_dead_tuples\": %s, \"tasks_autovacuums\": %s, \"batches_autovacuums\": %s, \"pending\": %s}",
               (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 } END { print "" }' "$samples"
  printf '  ]\n}\n'
} >"$work_dir/scale.json"

cp "$work_dir/scale.md" "$work_dir/bloat.md" "$work_dir/scale.json" "$out/"
say "wrote $out/scale.md, $out/bloat.md, $out/scale.json in $total_seconds s"
