#!/usr/bin/env bash
# The one bench command (issue 5): builds Release, starts a throwaway PostgreSQL exactly like the demo's embedded
# default (src/PgQueue.LocalPostgres: initdb --no-sync -E UTF8 --locale=C; max_connections=300, shared_buffers=256MB,
# fsync=off, synchronous_commit=off, full_page_writes=off; plus shared_preload_libraries=pg_stat_statements) unless
# --connection is given, migrates, runs every section side by side with its reference, and writes bench/RESULTS.md.
#   bash bench/run.sh [--smoke] [--connection CONN] [--out FILE] [--baseline DLL]
# --smoke: tiny sizes (CI keeps the command working; < 60 s after the build), report to a temp file unless --out.
# --baseline: a PgQueue.Bench.dll built with an older client; its task cycle and round trips are measured in the same
#   run, alternating with this build's, for a before/after of a client change. The committed RESULTS.md used the
#   driver of commit b168136 (main's client before the one-batch hot path):
#   git worktree add /tmp/before b168136 && dotnet build /tmp/before/bench/PgQueue.Bench -c Release
#   bash bench/run.sh --baseline /tmp/before/bench/PgQueue.Bench/bin/Release/net10.0/PgQueue.Bench.dll
# Figures are this machine's; read the ratios. It never fails on a figure, only when a command breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command_line="bash bench/run.sh $*"
smoke=0
connection=""
out=""
baseline=""
while (( $# )); do
  case $1 in
    --smoke) smoke=1; shift ;;
    --connection) connection=${2:?--connection needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --baseline) baseline=${2:?--baseline needs a value}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

started=$SECONDS
say() { printf '[%4ss] %s\n' "$(( SECONDS - started ))" "$*" >&2; }
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
num() { awk -v a="${1:-0}" 'BEGIN { printf "%.0f", a }'; }
failures=()

# Sizes: the full run takes roughly 15–20 minutes on 2 cores; smoke well under a minute after the build.
if (( smoke )); then
  worker_counts=(1 2); cold_workers=2; cycle_batches=10; cycle_per_batch=5; ceiling_seconds=1; warmup_batches=2; inloop_tasks_per_batch=5; jit_warmup_seconds=3
  rt_batches=4; rt_per_batch=5; history_batches=10; history_per_batch=5
  peer_workers=2; peer_lanes=4; peer_tasks=40
  enqueue_seconds=1; enqueue_clients=2
  lambda_args=(--warm-runs 3 --task-seconds 0.05 --budget 1s)
  out=${out:-$(mktemp -t pgqueue-bench-smoke.XXXXXX.md)}
else
  worker_counts=(1 2 4 8); cold_workers=4; cycle_batches=200; cycle_per_batch=150; ceiling_seconds=8; warmup_batches=40; inloop_tasks_per_batch=50; jit_warmup_seconds=120
  rt_batches=20; rt_per_batch=50; history_batches=200; history_per_batch=50
  peer_workers=4; peer_lanes=50; peer_tasks=5000
  enqueue_seconds=5; enqueue_clients=4
  lambda_args=(--warm-runs 50 --task-seconds 2 --budget 50s)
  out=${out:-$root/bench/RESULTS.md}
fi
smoke_flag=(); (( smoke )) && smoke_flag=(--smoke)

work=$(mktemp -d -t pgqueue-bench.XXXXXX)
declare -A cluster_pids=() # throwaway clusters this run started, by name
stop_cluster() { # NAME
  local pid=${cluster_pids[$1]:-}
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  unset "cluster_pids[$1]"
}
cleanup() {
  for name in "${!cluster_pids[@]}"; do stop_cluster "$name"; done
  rm -rf "$work"
}
trap cleanup EXIT

pg_bin=/usr/lib/postgresql/15/bin
if [[ ! -x $pg_bin/pgbench ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    say "pgbench missing: installing postgresql-contrib"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null
  fi
  [[ -x $pg_bin/pgbench ]] || { echo "bench/run.sh: $pg_bin/pgbench not found (install postgresql-contrib)" >&2; exit 1; }
fi

say "build (Release): bench/PgQueue.Bench and bench/PgQueue.Lambda.Bench with what they use"
for project in bench/PgQueue.Bench bench/PgQueue.Lambda.Bench; do
  dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
done
bench=(dotnet "$root/bench/PgQueue.Bench/bin/Release/net10.0/PgQueue.Bench.dll")

# start_cluster NAME [--durable]: a throwaway cluster (PgQueue.Bench cluster); its connection string in $work/NAME.connection.
start_cluster() {
  local name=$1; shift
  "${bench[@]}" cluster --ready-file "$work/$name.connection" "$@" >"$work/$name.log" 2>&1 &
  cluster_pids[$name]=$!
  for _ in $(seq 1 240); do
    [[ -s $work/$name.connection ]] && return 0
    kill -0 "${cluster_pids[$name]}" 2>/dev/null || { cat "$work/$name.log" >&2; echo "bench/run.sh: the $name cluster did not start" >&2; return 1; }
    sleep 0.5
  done
  echo "bench/run.sh: the $name cluster did not start within 120 s" >&2
  return 1
}
psql_q() { PGOPTIONS="-c client_min_messages=warning" "$pg_bin/psql" "$url" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
# use_server CONNECTION: the server the next measurements run against (connection, url, and the postmaster whose
# processes' CPU is counted, when it is a local cluster), migrated.
use_server() {
  connection=$1
  url=$(bash scripts/libpq-url.sh "$connection")
  "${bench[@]}" migrate --connection "$connection" 2>"$work/migrate.log" || { cat "$work/migrate.log" >&2; return 1; }
  psql_q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
  postmaster_pid=$(head -1 "$(psql_q "SHOW data_directory")/postmaster.pid" 2>/dev/null || true)
}

if [[ -z $connection ]]; then
  say "start a throwaway PostgreSQL (LocalPostgresCluster defaults + pg_stat_statements)"
  start_cluster main || exit 1
  connection=$(cat "$work/main.connection")
  server_source="throwaway cluster started by this run (LocalPostgresCluster defaults, as the demo's embedded database, plus \`shared_preload_libraries=pg_stat_statements\`)"
else
  server_source="given with --connection"
fi
main_connection=$connection
say "migrate"
use_server "$main_connection" || exit 1

# ---- machine and server ----------------------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
cores=$(nproc)
ram_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
os_name=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)
kernel=$(uname -r)
dotnet_version=$(dotnet --version)
pg_version=$(psql_q "SHOW server_version")
pg_settings=$(psql_q "SELECT string_agg(format('%s=%s', name, current_setting(name)), ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'max_connections', 'wal_level',
                 'autovacuum', 'work_mem', 'max_wal_size', 'checkpoint_timeout', 'shared_preload_libraries', 'jit')")
say "machine: $cores cores, $ram_gib GiB, $cpu_model; PostgreSQL $pg_version; .NET $dotnet_version"

run_cycle() { # args → JSON on stdout; progress on stderr
  "${bench[@]}" cycle --connection "$connection" "$@" 2>>"$work/cycle.log"
}
# The task-cycle figures are steady state: rounds of warm-up batches go through the same workers until the JIT is quiet
# (.NET's tiered compilation recompiles the hot methods on a background thread for 10-20 s after start, which took
# two thirds of a short timed window's length on 2 cores), then warm-up batches (plan caches, pool), as pgbench starts
# its clock after its connections are up; and the client prepares its statements (Npgsql's Max Auto Prepare, a
# connection-string setting README recommends for direct connections). One row per worker count is also run with
# the plain connection string.
cycle_flags=(--warmup-batches "$warmup_batches" --auto-prepare --jit-warmup "$jit_warmup_seconds")

# ---- 1. task-cycle throughput next to the pgbench ceiling -------------------------------------------------------------
ceiling_table() { # on the current server
  psql_q "DROP TABLE IF EXISTS public.bench_ceiling; CREATE TABLE public.bench_ceiling (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
          INSERT INTO public.bench_ceiling (id) SELECT g FROM generate_series(0, 199) AS g" >/dev/null
  psql_q "VACUUM ANALYZE public.bench_ceiling" >/dev/null
}
ceiling_table
# Each pgbench client updates its own row (:client_id, 0-based), as each PgQueue worker drains its own batch.
printf 'UPDATE public.bench_ceiling SET n = n + 1 WHERE id = :client_id;\n' >"$work/ceiling.sql"
declare -A tasks_per_s=() plain_tasks_per_s=() ceiling_tps=() commits_per_task=() cycle_fifo=() jit_seconds=() jit_ms_timed=()
declare -A cycle_cpu=() ceiling_cpu=() cycle_busy=()
# CPU per task: on 2 shared cores the client and the server take turns on the same CPUs, so throughput is the CPU a
# task costs, and where that CPU goes says what a change can win. The client's is pgbench's own user + system time
# (bash's `time`); the server's, every process of the local cluster (/proc: the postmaster with the children it has
# reaped, plus its live children: backends, WAL writer, autovacuum), in clock ticks of 10 ms. Empty for a remote server.
server_ticks() { # → CPU ticks the local cluster has used so far, or nothing
  [[ -n $postmaster_pid && -r /proc/$postmaster_pid/stat ]] || return 0
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$postmaster_pid" '{ pid = $1; sub(/^.*\) /, ""); split($0, f, " ")
      if (pid == pm) t += f[12] + f[13] + f[14] + f[15]; else if (f[2] == pm) t += f[12] + f[13] } END { print t + 0 }'
}
per_task_us() { # SECONDS_OR_TICKS_DIFF UNIT(s|ticks) COUNT → µs per unit of work, or empty
  awk -v v="$1" -v unit="$2" -v n="${3:-0}" 'BEGIN { if (v == "" || n + 0 <= 0) exit; printf "%.0f", (unit == "ticks" ? v * 10000 : v * 1e6) / n }'
}
# pgbench_cpu OUT LOG pgbench-args… → runs pgbench; "<client µs> <server µs>" per transaction counted later, as
# "<client seconds> <server ticks>" in $work/pgbench.cpu.
pgbench_cpu() {
  local out=$1 log=$2 before after client; shift 2
  before=$(server_ticks)
  client=$( { TIMEFORMAT='%U %S'; time "$pg_bin/pgbench" "$@" >"$out" 2>"$log"; } 2>&1 ) || return 1
  after=$(server_ticks)
  echo "$(awk '{ print $1 + $2 }' <<<"$client") ${before:+$(( after - before ))}" >"$work/pgbench.cpu"
}
cpu_pair() { # CLIENT_SECONDS SERVER_TICKS COUNT → "client + server" µs
  local c s; c=$(per_task_us "$1" s "$3"); s=$(per_task_us "$2" ticks "$3")
  [[ -n $c ]] && echo "$c + ${s:-n/a}"
}
ceiling() { # N clients → tx/s on stdout; its CPU per transaction in $work/ceiling.cpu
  pgbench_cpu "$work/ceiling.out" "$work/pgbench.log" -n -f "$work/ceiling.sql" -c "$1" -j "$1" -T "$ceiling_seconds" "$url" || return 1
  local tps n; tps=$(awk '/^tps = / { print $3; exit }' "$work/ceiling.out")
  n=$(awk -F': ' '/^number of transactions actually processed:/ { print $2 + 0 }' "$work/ceiling.out")
  read -r c s <"$work/pgbench.cpu"; cpu_pair "$c" "$s" "$n" >"$work/ceiling.cpu"
  echo "$tps"
}
# cycle_row KEY N: the ceiling at N clients, then the PgQueue cycle at N workers right after it, on the current
# server; the figures are stored under KEY.
cycle_row() {
  local key=$1 n=$2 tps json
  tps=$(ceiling "$n") || { cat "$work/pgbench.log" >&2; failures+=("pgbench $n clients ($key)"); tps=""; }
  ceiling_tps[$key]=${tps:-0}; ceiling_cpu[$key]=$(cat "$work/ceiling.cpu" 2>/dev/null || true)
  if json=$(run_cycle --workers "$n" --batches "$cycle_batches" --tasks-per-batch "$cycle_per_batch" "${cycle_flags[@]}"); then
    tasks_per_s[$key]=$(jq -r .tasks_per_s <<<"$json"); commits_per_task[$key]=$(jq -r .commits_per_task <<<"$json")
    cycle_cpu[$key]=$(jq -r '"\(.client_cpu_us_per_task | round) + \(.server_cpu_us_per_task // "n/a" | if type == "number" then round else . end)"' <<<"$json")
    cycle_busy[$key]=$(jq -r '.machine_busy // "n/a"' <<<"$json")
    cycle_fifo[$key]=$(jq -r .fifo_ok <<<"$json")
    jit_seconds[$key]=$(jq -r .jit_warmup_seconds <<<"$json"); jit_ms_timed[$key]=$(jq -r .jit_ms_timed <<<"$json")
  else
    failures+=("cycle $n workers ($key)"); tasks_per_s[$key]=0; commits_per_task[$key]=0; cycle_fifo[$key]=false
  fi
}
for n in "${worker_counts[@]}"; do
  cycle_row "$n" "$n"
  if json=$(run_cycle --workers "$n" --batches "$cycle_batches" --tasks-per-batch "$cycle_per_batch" --warmup-batches "$warmup_batches" --jit-warmup "$jit_warmup_seconds"); then
    plain_tasks_per_s[$n]=$(jq -r .tasks_per_s <<<"$json")
    [[ $(jq -r .fifo_ok <<<"$json") == true ]] || cycle_fifo[$n]=false
  else
    failures+=("cycle $n workers, plain connection string"); plain_tasks_per_s[$n]=0
  fi
  say "cycle, $n worker(s): PgQueue $(num "${tasks_per_s[$n]}") tasks/s ($(num "${plain_tasks_per_s[$n]}") unprepared), ceiling $(num "${ceiling_tps[$n]}") tx/s, ratio $(ratio "${tasks_per_s[$n]}" "${ceiling_tps[$n]}")"
done
# The same cycle without the JIT rounds, as this file measured before them: what the background JIT costs a cold start.
if json=$(run_cycle --workers "$cold_workers" --batches "$cycle_batches" --tasks-per-batch "$cycle_per_batch" --warmup-batches "$warmup_batches" --auto-prepare); then
  cold_tasks_per_s=$(jq -r .tasks_per_s <<<"$json"); cold_jit_ms=$(jq -r .jit_ms_timed <<<"$json")
  cold_jit_methods=$(jq -r .jit_methods_timed <<<"$json"); cold_seconds=$(jq -r .seconds <<<"$json")
  [[ $(jq -r .fifo_ok <<<"$json") == true ]] || cycle_fifo[$cold_workers]=false
else
  failures+=("cycle $cold_workers workers without the JIT rounds"); cold_tasks_per_s=0; cold_jit_ms=0; cold_jit_methods=0; cold_seconds=0
fi
say "cycle, $cold_workers worker(s) without the JIT rounds: $(num "$cold_tasks_per_s") tasks/s, $cold_jit_ms ms of JIT in the $cold_seconds s timed window"

# The queue's own SQL driven by pgbench's C client at the target's worker count: what these functions allow any client.
# bench/scale/pgbench/worker.sql (the bloat section's workers): a client claims a batch, runs one task per autocommit
# statement (dequeue_task and complete_task in one SELECT, one round trip) and releases the batch after 100 tasks, as
# the worker's MaxTasksPerClaim. No handler gap, and one statement where the worker sends four (complete_task; COMMIT;
# BEGIN; dequeue_task), so it bounds the worker from above. The ceiling is measured again right before it.
# sql_bound KEY: that measurement on the current server, stored under KEY.
sqlbound_batches=$(( smoke ? 3000 : 1500 ))
declare -A sqlbound_tasks_per_s=() sqlbound_ceiling=() sqlbound_cpu=() sqlbound_ceiling_cpu=()
sql_bound() {
  local key=$1 before after c s
  say "the queue's SQL through pgbench, $cold_workers clients ($key)"
  sqlbound_tasks_per_s[$key]=0; sqlbound_ceiling[$key]=0
  if psql_q "TRUNCATE pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks;
             SELECT count(*) FROM (SELECT pgqueue.enqueue_many(format('bound-%s', b), array_fill('{}'::jsonb, ARRAY[$cycle_per_batch]), 'bench.noop')
                                     FROM generate_series(1, $sqlbound_batches) AS b) AS e" >/dev/null \
     && psql_q "VACUUM ANALYZE pgqueue.tasks" >/dev/null && psql_q "VACUUM ANALYZE pgqueue.batches" >/dev/null; then
    sqlbound_ceiling[$key]=$(ceiling "$cold_workers") || sqlbound_ceiling[$key]=0
    sqlbound_ceiling_cpu[$key]=$(cat "$work/ceiling.cpu" 2>/dev/null || true)
    before=$(psql_q "SELECT count(*) FROM pgqueue.tasks")
    if pgbench_cpu "$work/queue_sql.out" "$work/queue_sql.log" -n -M prepared -c "$cold_workers" -j "$cold_workers" -T "$ceiling_seconds" \
         -D token=0 -D batch_id=none -D done=0 -D completed=0 -D drain_limit=100 -f bench/scale/pgbench/worker.sql "$url"; then
      after=$(psql_q "SELECT count(*) FROM pgqueue.tasks")
      read -r c s <"$work/pgbench.cpu"; sqlbound_cpu[$key]=$(cpu_pair "$c" "$s" $(( before - after )))
      # pgbench counts one transaction per script run (claims and releases ride along with a task): tasks/s is its
      # tps scaled by the tasks that went per run.
      sqlbound_tasks_per_s[$key]=$(awk -v done=$(( before - after )) '/^number of transactions actually processed:/ { split($0, f, ": "); n = f[2] + 0 }
        /^tps = / { tps = $3 } END { if (n > 0) printf "%.1f", tps * done / n; else print 0 }' "$work/queue_sql.out")
    else
      cat "$work/queue_sql.log" >&2
    fi
  fi
  [[ $(num "${sqlbound_tasks_per_s[$key]}") -gt 0 && $(num "${sqlbound_ceiling[$key]}") -gt 0 ]] || failures+=("the queue's SQL through pgbench ($key)")
  say "the queue's SQL through pgbench ($key): $(num "${sqlbound_tasks_per_s[$key]}") tasks/s, ceiling $(num "${sqlbound_ceiling[$key]}") tx/s, ratio $(ratio "${sqlbound_tasks_per_s[$key]}" "${sqlbound_ceiling[$key]}")"
}
sql_bound main

# The same comparison inside the server, no client and no network: one DO block runs the worker's SQL for
# $cycle_batches batches (claim, then dequeue_task + complete_task + COMMIT per task, release), another the ceiling's
# UPDATE + COMMIT as often. Their ratio is what the functions cost against the bare write, per task.
say "in-server loop: the queue's functions vs the bare UPDATE, no client"
inloop=$(PGOPTIONS="-c client_min_messages=warning" "$pg_bin/psql" "$url" -X -q -t -A -v ON_ERROR_STOP=1 2>>"$work/cycle.log" <<SQL || true
TRUNCATE pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks;
SELECT count(*) FROM (SELECT pgqueue.enqueue_many(format('inloop-%s', b), array_agg('{}'::jsonb), 'bench.noop')
                        FROM generate_series(1, $cycle_batches) AS b, generate_series(1, $inloop_tasks_per_batch) AS i GROUP BY b) AS e \g /dev/null
VACUUM ANALYZE pgqueue.tasks;
VACUUM ANALYZE pgqueue.batches;
DO \$\$
DECLARE b record; t record; n integer := 0; started timestamptz := clock_timestamp();
BEGIN
  LOOP
    SELECT * INTO b FROM pgqueue.claim_batch('inloop');
    EXIT WHEN b.batch_id IS NULL;
    COMMIT;
    LOOP
      SELECT * INTO t FROM pgqueue.dequeue_task(b.batch_id, b.lease_token);
      EXIT WHEN t.task_id IS NULL;
      PERFORM pgqueue.complete_task(t.task_id, b.lease_token);
      COMMIT;
      n := n + 1;
    END LOOP;
    PERFORM pgqueue.release_batch(b.batch_id, b.lease_token);
    COMMIT;
  END LOOP;
  PERFORM set_config('bench.queue_us', (extract(epoch FROM clock_timestamp() - started) * 1e6 / greatest(n, 1))::text, false);
  PERFORM set_config('bench.queue_n', n::text, false);
END \$\$;
DO \$\$
DECLARE started timestamptz := clock_timestamp(); v_n integer := current_setting('bench.queue_n')::integer;
BEGIN
  FOR i IN 1 .. v_n LOOP
    UPDATE public.bench_ceiling SET n = n + 1 WHERE id = 0;
    COMMIT;
  END LOOP;
  PERFORM set_config('bench.update_us', (extract(epoch FROM clock_timestamp() - started) * 1e6 / greatest(v_n, 1))::text, false);
END \$\$;
SELECT format('%s %s %s', current_setting('bench.queue_n'), round(current_setting('bench.queue_us')::numeric, 1),
              round(current_setting('bench.update_us')::numeric, 1));
SQL
)
read -r inloop_tasks inloop_queue_us inloop_update_us <<<"${inloop:-0 0 0}"
[[ ${inloop_tasks:-0} -gt 0 ]] || failures+=("in-server loop")
say "in-server loop: $inloop_tasks tasks, $inloop_queue_us us per task vs $inloop_update_us us per UPDATE, ratio $(ratio "$inloop_update_us" "$inloop_queue_us")"

say "round trips per task (1 worker through a counting proxy)"
psql_q "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
if json=$(run_cycle --workers 1 --batches "$rt_batches" --tasks-per-batch "$rt_per_batch" --count-round-trips); then
  round_trips=$(jq -r .round_trips_per_task <<<"$json"); rt_tasks=$(jq -r .tasks <<<"$json")
else
  failures+=("round-trip count"); round_trips=0; rt_tasks=0
fi
statements=$(psql_q "SELECT coalesce(string_agg(format('| \`%s\` | %s | %s |', left(regexp_replace(query, '\s+', ' ', 'g'), 90), calls,
  round((total_exec_time / nullif(calls, 0))::numeric, 3)), E'\n' ORDER BY calls DESC), '')
  FROM (SELECT * FROM pg_stat_statements WHERE query ~* 'pgqueue\.(claim_batch|dequeue_task|complete_task|release_batch)|^(BEGIN|COMMIT|ROLLBACK|DISCARD)'
        ORDER BY calls DESC LIMIT 10) AS s" 2>/dev/null || true)
say "round trips per task: $round_trips"

history_workers=4; (( smoke )) && history_workers=2
say "history (keep_completed) off vs on, $history_workers workers"
if off_json=$(run_cycle --workers "$history_workers" --batches "$history_batches" --tasks-per-batch "$history_per_batch" --history off "${cycle_flags[@]}") &&
   on_json=$(run_cycle --workers "$history_workers" --batches "$history_batches" --tasks-per-batch "$history_per_batch" --history on "${cycle_flags[@]}"); then
  history_off=$(jq -r .tasks_per_s <<<"$off_json"); history_on=$(jq -r .tasks_per_s <<<"$on_json")
else
  failures+=("history cycle"); history_off=0; history_on=0
fi
say "history off $(num "$history_off") tasks/s, on $(num "$history_on") tasks/s, on/off $(ratio "$history_on" "$history_off")"

# ---- before/after a client change (--baseline) ----------------------------------------------------------------------
if [[ -n $baseline ]]; then
  say "before/after: baseline client $baseline vs this build, $history_workers workers, alternating"
  declare -a before_tps=() after_tps=()
  for round in 1 2; do
    for side in before after; do
      if [[ $side == before ]]; then
        json=$(dotnet "$baseline" cycle --connection "$connection" --workers "$history_workers" --batches "$history_batches" --tasks-per-batch "$history_per_batch" 2>>"$work/cycle.log") || { failures+=("baseline cycle"); json='{"tasks_per_s":0}'; }
        before_tps+=("$(jq -r .tasks_per_s <<<"$json")")
      else
        json=$(run_cycle --workers "$history_workers" --batches "$history_batches" --tasks-per-batch "$history_per_batch") || { failures+=("cycle (after)"); json='{"tasks_per_s":0}'; }
        after_tps+=("$(jq -r .tasks_per_s <<<"$json")")
      fi
    done
  done
  json=$(dotnet "$baseline" cycle --connection "$connection" --workers 1 --batches "$rt_batches" --tasks-per-batch "$rt_per_batch" --count-round-trips 2>>"$work/cycle.log") || { failures+=("baseline round trips"); json='{}'; }
  before_rt=$(jq -r '.round_trips_per_task // 0' <<<"$json"); before_commits=$(jq -r '.commits_per_task // 0' <<<"$json")
  after_commits=$(jq -r .commits_per_task <<<"$(run_cycle --workers 1 --batches "$rt_batches" --tasks-per-batch "$rt_per_batch")")
  before_mean=$(printf '%s\n' "${before_tps[@]}" | awk '{ s += $1 } END { print s / NR }')
  after_mean=$(printf '%s\n' "${after_tps[@]}" | awk '{ s += $1 } END { print s / NR }')
  say "before $(num "$before_mean") tasks/s, after $(num "$after_mean") tasks/s, after/before $(ratio "$after_mean" "$before_mean")"
fi

# ---- 1b. the same on a durable server ---------------------------------------------------------------------------------
# The demo's throwaway server does not flush commits (fsync, synchronous_commit and full_page_writes off), so above a
# commit costs only CPU and the ceiling is a CPU ceiling. A production server flushes every commit to the WAL before
# it answers; a twin cluster with those settings on measures the same rows against a ceiling of durable commits.
# Only when this run started its own server: a server given with --connection is measured as it is configured.
durable_status="not run: the server was given with --connection"
durable_settings=""
if [[ -n ${cluster_pids[main]:-} ]]; then
  say "a durable twin cluster (fsync, synchronous_commit, full_page_writes on)"
  if start_cluster durable --durable && use_server "$(cat "$work/durable.connection")"; then
    durable_settings=$(psql_q "SELECT string_agg(format('%s=%s', name, current_setting(name)), ', ' ORDER BY name) FROM pg_settings
      WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'commit_delay')")
    ceiling_table
    for n in "${worker_counts[@]}"; do
      cycle_row "durable-$n" "$n"
      say "cycle on the durable server, $n worker(s): PgQueue $(num "${tasks_per_s[durable-$n]}") tasks/s, ceiling $(num "${ceiling_tps[durable-$n]}") tx/s, ratio $(ratio "${tasks_per_s[durable-$n]}" "${ceiling_tps[durable-$n]}")"
    done
    sql_bound durable
    durable_status="ran"
  else
    durable_status="failed: the durable cluster did not start or migrate (see the log)"; failures+=("durable cluster")
  fi
  stop_cluster durable
  use_server "$main_connection" || exit 1
fi

# ---- 2. peers --------------------------------------------------------------------------------------------------------
peers_status="not run: bench/peers/run.sh missing"
peer_per_lane=$(( peer_tasks / peer_lanes ))
say "PgQueue on the peers' workload: $peer_workers workers, $peer_lanes lanes, $(( peer_lanes * peer_per_lane )) tasks"
if pq_peer_json=$(run_cycle --workers "$peer_workers" --batches "$peer_lanes" --tasks-per-batch "$peer_per_lane" --auto-prepare); then
  pq_peer=$(jq -r .tasks_per_s <<<"$pq_peer_json"); pq_peer_fifo=$(jq -r .fifo_ok <<<"$pq_peer_json")
else
  failures+=("PgQueue peers workload"); pq_peer=0; pq_peer_fifo=false
fi
if [[ -f bench/peers/run.sh ]]; then
  say "peers: bash bench/peers/run.sh"
  mkdir -p "$work/peers"
  if bash bench/peers/run.sh --url "$url" --out "$work/peers" --workers "$peer_workers" --lanes "$peer_lanes" \
       --tasks "$(( peer_lanes * peer_per_lane ))" "${smoke_flag[@]}" >"$work/peers.log" 2>&1; then
    peers_status="ran"
  else
    peers_exit=$?
    if [[ $peers_exit -eq 1 && -s $work/peers/peers.json ]]; then
      # Exit 1 with results: a peer failed its own checks (per-lane order, lost jobs). That is a finding about the
      # peer, reported in the table, not a broken bench command.
      peers_status="ran; a peer failed its order or completeness check (see its row and the log below)"
    else
      peers_status="failed (exit $peers_exit): see the log below"; failures+=("bench/peers/run.sh")
    fi
  fi
fi

# ---- 3. scale and bloat ----------------------------------------------------------------------------------------------
scale_status="not run: bench/scale/run.sh missing"
if [[ -f bench/scale/run.sh ]]; then
  say "scale and bloat: bash bench/scale/run.sh"
  mkdir -p "$work/scale"
  # Only a server this run started may have its autovacuum_naptime changed (the third bloat run).
  tune_flag=(); [[ -n ${cluster_pids[main]:-} ]] && tune_flag=(--tune-server)
  if bash bench/scale/run.sh --url "$url" --out "$work/scale" "${smoke_flag[@]}" "${tune_flag[@]}" >"$work/scale.log" 2>&1; then
    scale_status="ran"
  else
    scale_status="failed (exit $?): see the log below"; failures+=("bench/scale/run.sh")
  fi
fi

# ---- 4. enqueue ------------------------------------------------------------------------------------------------------
declare -A enqueue=()
for spec in "single 1 0" "single $enqueue_clients 0" "many 1 1000" "many $enqueue_clients 1000"; do
  read -r mode clients many <<<"$spec"
  extra=(); (( many > 0 )) && extra=(--many "$many")
  if json=$("${bench[@]}" enqueue --connection "$connection" --clients "$clients" --seconds "$enqueue_seconds" "${extra[@]}" 2>>"$work/enqueue.log"); then
    enqueue["$mode-$clients"]=$(jq -r .tasks_per_s <<<"$json")
  else
    failures+=("enqueue $mode $clients"); enqueue["$mode-$clients"]=0
  fi
  say "enqueue ($mode, $clients client(s)): $(num "${enqueue[$mode-$clients]}") tasks/s"
done

# ---- 5. serverless cost ----------------------------------------------------------------------------------------------
say "Lambda: bench/PgQueue.Lambda.Bench ${lambda_args[*]} (its own throwaway cluster, same defaults)"
if dotnet run -c Release --no-build --project bench/PgQueue.Lambda.Bench -- "${lambda_args[@]}" >"$work/lambda.txt" 2>"$work/lambda.log"; then
  lambda_status="ran"
else
  lambda_status="failed (exit $?)"; failures+=("bench/PgQueue.Lambda.Bench"); cat "$work/lambda.log" >>"$work/lambda.txt"
fi

# ---- report ----------------------------------------------------------------------------------------------------------
peer_rows=""; best_peer=0; best_peer_name=""
if [[ -f $work/peers/peers.json ]]; then
  while IFS=$'\t' read -r name tps fifo; do
    peer_rows+="| $name | $(num "$tps") | $fifo | $(ratio "$pq_peer" "$tps") |"$'\n'
    if awk -v a="$tps" -v b="$best_peer" 'BEGIN { exit !(a > b) }'; then best_peer=$tps; best_peer_name=$name; fi
  done < <(jq -r 'to_entries[] | [.key, (.value.tasks_per_s // 0), (.value.fifo_ok // "n/a")] | @tsv' "$work/peers/peers.json")
fi
section_file() { # file, or a note
  if [[ -f $1 ]]; then cat "$1"; else echo "_$2_"; fi
}
log_tail() { [[ -f $1 ]] && { echo; echo '```'; tail -n 30 "$1"; echo '```'; } || true; }

{
  echo "# PgQueue benchmark results"
  echo
  if (( smoke )); then echo "_Smoke run (tiny sizes): the figures mean nothing, only that the command works._"; echo; fi
  echo "Produced by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC') in $(( SECONDS - started )) s (including the Release build)."
  echo "Every figure comes from this one run; absolute numbers drift on a shared machine, so each is printed next to"
  echo "its reference measured in the same run, and the ratio is what to read. No figure passes or fails anything."
  echo
  echo "## Machine and server"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $cpu_model, $cores cores |"
  echo "| RAM | $ram_gib GiB |"
  echo "| OS | $os_name (kernel $kernel) |"
  echo "| .NET SDK | $dotnet_version |"
  echo "| PostgreSQL | $pg_version, $server_source, on loopback TCP |"
  echo "| settings | $pg_settings |"
  echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share this machine) |"
  echo
  echo "## 1. Task-cycle throughput vs. the server's ceiling"
  echo
  echo "Zero-work handlers through \`PgQueueWorker.RunAsync\` (the real worker loop: claim, drain up to 100 tasks, each"
  echo "\`dequeue_task\` → handler → \`complete_task\` → commit, release), N workers in one process on one data source,"
  echo "$cycle_batches batches × $cycle_per_batch tasks, logging off, in the steady state. First, rounds of $warmup_batches warm-up"
  echo "batches run through the same workers until a round of at least 0.5 s spent < 0.5% of its time in the JIT (at most ${jit_warmup_seconds} s;"
  echo "*JIT warm-up s* below): .NET's tiered compilation recompiles the hot methods on a background thread for 10–20 s"
  echo "after start, which a long-running worker pays once and pgbench never (*without the JIT rounds*, below). Then $warmup_batches warm-up batches of"
  echo "the same size, at most 100 tasks each (one claim drains each), go through and the clock starts when they are done (as pgbench's clock starts after its"
  echo "connections are up); *JIT ms timed* is the compiling left inside the timed window. The client prepares its statements (\`Max Auto Prepare=20\` in the connection string, see"
  echo "README); *unprepared* is the same run with the plain connection string. Ceiling: \`pgbench -n -c N -j N -T $ceiling_seconds\`"
  echo "with a custom script of one bare single-row \`UPDATE public.bench_ceiling SET n = n + 1 WHERE id = :client_id\` per"
  echo "transaction (each client its own row of 200, simple protocol), run right before each PgQueue run."
  echo "Target: ≥ 0.6 at 4 workers."
  echo
  echo "*CPU µs* columns: CPU time per task (per transaction for the ceiling), the client's + the server's (every process of"
  echo "the cluster: backends, WAL writer, autovacuum), from /proc over the same timed window; *busy* is the share of both"
  echo "cores in use during the PgQueue run. With the cores busy, tasks/s is the cores' time over the CPU a task costs."
  echo
  echo "| workers | PgQueue tasks/s | ceiling tx/s | PgQueue / ceiling | PgQueue CPU µs/task | ceiling CPU µs/tx | busy | unprepared tasks/s | commits per task | FIFO per batch | JIT warm-up s | JIT ms timed |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
  for n in "${worker_counts[@]}"; do
    echo "| $n | $(num "${tasks_per_s[$n]}") | $(num "${ceiling_tps[$n]}") | **$(ratio "${tasks_per_s[$n]}" "${ceiling_tps[$n]}")** | ${cycle_cpu[$n]:-n/a} | ${ceiling_cpu[$n]:-n/a} | ${cycle_busy[$n]:-n/a} | $(num "${plain_tasks_per_s[$n]}") | ${commits_per_task[$n]} | ${cycle_fifo[$n]} | ${jit_seconds[$n]:-} | ${jit_ms_timed[$n]:-} |"
  done
  echo
  echo "**Without the JIT rounds** (the same cycle at $cold_workers workers, only the $warmup_batches warm-up batches first, as"
  echo "this file measured before): **$(num "$cold_tasks_per_s") tasks/s**, $(ratio "$cold_tasks_per_s" "${tasks_per_s[$cold_workers]:-0}")× the steady state above;"
  echo "the JIT compiled $cold_jit_methods methods for $cold_jit_ms ms of its $cold_seconds s timed window."
  echo
  echo "**The same SQL through pgbench's C client**, what these functions allow any client: $cold_workers clients,"
  echo "\`pgbench -n -M prepared -c $cold_workers -j $cold_workers -T $ceiling_seconds -f bench/scale/pgbench/worker.sql\` (the bloat section's"
  echo "workers): each client claims a batch of $cycle_per_batch tasks, runs one task per autocommit statement,"
  echo "\`SELECT count(pgqueue.complete_task(d.task_id, :token)) FROM pgqueue.dequeue_task(:batch_id, :token) AS d\`, and"
  echo "releases the batch after 100 tasks as the worker does. No handler gap between the two functions, and one statement"
  echo "where the worker sends four (\`complete_task; COMMIT; BEGIN; dequeue_task\`), so it bounds the worker from above. **$(num "${sqlbound_tasks_per_s[main]}") tasks/s**, **$(ratio "${sqlbound_tasks_per_s[main]}" "${sqlbound_ceiling[main]}")×**"
  echo "the ceiling measured right before it ($(num "${sqlbound_ceiling[main]}") tx/s); the worker above reached"
  echo "$(ratio "${tasks_per_s[$cold_workers]:-0}" "${ceiling_tps[$cold_workers]:-0}")× at $cold_workers workers."
  echo
  echo "**Where the CPU goes** at $cold_workers clients, in µs of CPU, client + server:"
  echo
  echo "| run | per | CPU µs |"
  echo "|---|---|---:|"
  echo "| the ceiling (pgbench, right before the next row) | transaction | ${sqlbound_ceiling_cpu[main]:-n/a} |"
  echo "| the queue's SQL through pgbench | task | ${sqlbound_cpu[main]:-n/a} |"
  echo "| PgQueueWorker (the table above) | task | ${cycle_cpu[$cold_workers]:-n/a} |"
  echo "| the ceiling of that row | transaction | ${ceiling_cpu[$cold_workers]:-n/a} |"
  echo
  allowance=$(awk -v p="${sqlbound_ceiling_cpu[main]:-}" 'BEGIN { if (split(p, f, " [+] ") == 2 && f[2] != "n/a") printf "%.0f", (f[1] + f[2]) / 0.6 }')
  sql_server=$(awk -v p="${sqlbound_cpu[main]:-}" 'BEGIN { if (split(p, f, " [+] ") == 2 && f[2] != "n/a") print f[2] }')
  if [[ -n $allowance && -n $sql_server ]]; then
    echo "With both cores busy, a ratio of 0.6 lets a task cost the ceiling's CPU per transaction / 0.6 = **$allowance µs**, client"
    echo "and server together. The server alone spends **$sql_server µs** on a task of the queue's SQL under pgbench's lean client:"
    echo "$(ratio "$sql_server" "$allowance")× that allowance, before the client takes its share."
  else
    echo "(No CPU figures: the server is not a local cluster this run can see in /proc.)"
  fi
  echo
  echo "**Inside the server, no client and no network** (one DO block each, one after the other): the worker's SQL for"
  echo "$inloop_tasks tasks ($cycle_batches batches × $inloop_tasks_per_batch: \`claim_batch\`, then \`dequeue_task\` +"
  echo "\`complete_task\` + \`COMMIT\` per task, \`release_batch\`) took **$inloop_queue_us µs per task**; the ceiling's"
  echo "\`UPDATE\` + \`COMMIT\` as often took **$inloop_update_us µs**: the functions cost"
  echo "**$(ratio "$inloop_queue_us" "$inloop_update_us")×** the bare write, before any round trip."
  echo
  echo "**Round trips per task: $round_trips** (1 worker, $rt_tasks tasks through a proxy that counts every Sync and simple"
  echo "Query the client sends, claim and release included). Statements the server ran in that pass (pg_stat_statements):"
  echo
  echo "| statement | calls | mean ms |"
  echo "|---|---:|---:|"
  echo "${statements:-| (pg_stat_statements not available) | | |}"
  echo
  echo "**Cost of history (issue 6)**: the same cycle at $history_workers workers, $history_batches × $history_per_batch tasks,"
  echo "with \`pgqueue.settings.keep_completed\` off (the default: \`complete_task\` is one delete) and on (\`'1 day'\`: the"
  echo "delete also inserts into \`completed_tasks_history\`):"
  echo
  echo "| keep_completed | tasks/s |"
  echo "|---|---:|"
  echo "| off (NULL) | $(num "$history_off") |"
  echo "| on ('1 day') | $(num "$history_on") |"
  echo "| **on / off** | **$(ratio "$history_on" "$history_off")** |"
  echo
  if [[ -n $baseline ]]; then
    echo "**Client hot path, before / after** (\`--baseline $baseline\`: the same driver built with the client before"
    echo "the change). Before, each task cost \`BEGIN\`+\`dequeue_task\`, \`complete_task\`, \`COMMIT\` and a pooled-connection"
    echo "reset (\`DISCARD ALL\`, its own transaction) per task; after, a drain keeps its connection and sends"
    echo "\`complete_task; COMMIT; BEGIN; dequeue_task\` as one batch. $history_workers workers, $history_batches × $history_per_batch tasks,"
    echo "two runs each, alternating:"
    echo
    echo "| client | tasks/s (runs) | mean | round trips per task | commits per task |"
    echo "|---|---|---:|---:|---:|"
    echo "| before | $(num "${before_tps[0]}"), $(num "${before_tps[1]}") | $(num "$before_mean") | $before_rt | $before_commits |"
    echo "| after | $(num "${after_tps[0]}"), $(num "${after_tps[1]}") | $(num "$after_mean") | $round_trips | $after_commits |"
    echo "| **after / before** | | **$(ratio "$after_mean" "$before_mean")** | $(ratio "$round_trips" "$before_rt") | $(ratio "$after_commits" "$before_commits") |"
    echo
  fi
  echo "## 1b. The same on a durable server"
  echo
  echo "The server above is the demo's throwaway one: it does not flush commits (fsync, synchronous_commit and"
  echo "full_page_writes off), so a commit costs only CPU and its ceiling is a CPU ceiling, where the client's CPU counts as"
  echo "much as the server's (both share the $cores cores). A production server flushes each commit to the WAL before it"
  echo "answers. Here a twin cluster, started by this run with the same defaults but durable commits ($durable_settings),"
  echo "measures the same rows the same way: the ceiling right before each PgQueue run, steady state, prepared statements."
  echo "Status: $durable_status."
  echo
  if [[ $durable_status == ran ]]; then
    echo "| workers | PgQueue tasks/s | ceiling tx/s | PgQueue / ceiling | PgQueue CPU µs/task | ceiling CPU µs/tx | busy | commits per task | FIFO per batch | non-durable ratio (above) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
    for n in "${worker_counts[@]}"; do
      k=durable-$n
      echo "| $n | $(num "${tasks_per_s[$k]}") | $(num "${ceiling_tps[$k]}") | **$(ratio "${tasks_per_s[$k]}" "${ceiling_tps[$k]}")** | ${cycle_cpu[$k]:-n/a} | ${ceiling_cpu[$k]:-n/a} | ${cycle_busy[$k]:-n/a} | ${commits_per_task[$k]} | ${cycle_fifo[$k]} | $(ratio "${tasks_per_s[$n]}" "${ceiling_tps[$n]}") |"
    done
    echo
    echo "The queue's SQL through pgbench on the durable server ($cold_workers clients, as above): **$(num "${sqlbound_tasks_per_s[durable]}") tasks/s**,"
    echo "**$(ratio "${sqlbound_tasks_per_s[durable]}" "${sqlbound_ceiling[durable]}")×** the ceiling measured right before it ($(num "${sqlbound_ceiling[durable]}") tx/s);"
    echo "CPU µs per task ${sqlbound_cpu[durable]:-n/a}, per ceiling transaction ${sqlbound_ceiling_cpu[durable]:-n/a}."
    echo
  fi
  echo "## 2. Against the closest peers"
  echo
  echo "Same workload for all: $(( peer_lanes * peer_per_lane )) zero-work tasks over $peer_lanes lanes (serial order per lane), $peer_workers workers,"
  echo "same server, same run. PgQueue: lanes are batches (FIFO checked per batch: $pq_peer_fifo), **$(num "$pq_peer") tasks/s**."
  echo "Peers: $peers_status. Target: PgQueue / better peer ≥ 1.5."
  echo
  if [[ -n $peer_rows ]]; then
    echo "| peer | tasks/s | per-lane order kept | PgQueue / peer |"
    echo "|---|---:|---|---:|"
    printf '%s' "$peer_rows"
    echo
    echo "**PgQueue / better peer ($best_peer_name): $(ratio "$pq_peer" "$best_peer")**"
    echo
  fi
  [[ -f $work/peers/peers.md ]] && { cat "$work/peers/peers.md"; echo; }
  [[ $peers_status == failed* || $peers_status == *"failed its"* ]] && log_tail "$work/peers.log"
  echo
  echo "## 3. Scale: claim_batch and dequeue_task latency"
  echo
  echo "_bench/scale/run.sh: ${scale_status}._"
  echo
  [[ -f $work/scale/scale.md ]] && { cat "$work/scale/scale.md"; echo; }
  [[ $scale_status == failed* ]] && log_tail "$work/scale.log"
  echo
  echo "## 4. Enqueue"
  echo
  echo "\`PgQueueClient.EnqueueAsync\` (one task per call, autocommit: one transaction each) and \`EnqueueManyAsync\`"
  echo "(1,000 payloads per call, one transaction), each client its own batch, for $enqueue_seconds s each. Target for"
  echo "enqueue_many: ≥ 50,000 tasks/s."
  echo
  echo "| mode | clients | tasks/s | vs. single enqueue, same clients |"
  echo "|---|---:|---:|---:|"
  echo "| enqueue | 1 | $(num "${enqueue[single-1]}") | 1.00 |"
  echo "| enqueue | $enqueue_clients | $(num "${enqueue[single-$enqueue_clients]}") | 1.00 |"
  echo "| enqueue_many (1,000/call) | 1 | $(num "${enqueue[many-1]}") | $(ratio "${enqueue[many-1]}" "${enqueue[single-1]}") |"
  echo "| enqueue_many (1,000/call) | $enqueue_clients | $(num "${enqueue[many-$enqueue_clients]}") | $(ratio "${enqueue[many-$enqueue_clients]}" "${enqueue[single-$enqueue_clients]}") |"
  echo
  echo "## 5. Bloat: pgqueue.tasks after many tasks went through"
  echo
  if [[ -f $work/scale/bloat.md ]]; then cat "$work/scale/bloat.md"; else echo "_bench/scale/run.sh: ${scale_status}._"; fi
  echo
  echo "## 6. Serverless cost (Lambda)"
  echo
  echo "\`bench/PgQueue.Lambda.Bench ${lambda_args[*]}\` (what \`bench/lambda-bench.sh\` runs; it starts its own throwaway"
  echo "cluster with the same defaults and counts round trips with the same proxy): $lambda_status. The deployed Lambda's"
  echo "timeout is 60 s and its default budget 50 s (it stops starting tasks in time to release the batch)."
  echo
  echo '```'
  cat "$work/lambda.txt"
  echo '```'
  if (( ${#failures[@]} )); then
    echo
    echo "## Commands that failed"
    echo
    printf -- '- %s\n' "${failures[@]}"
  fi
} >"$out.tmp"
mv "$out.tmp" "$out"
say "report: $out"
if (( ${#failures[@]} )); then
  echo "bench/run.sh: ${#failures[@]} command(s) failed: ${failures[*]}" >&2
  tail -n 40 "$work/cycle.log" >&2 2>/dev/null || true
  exit 1
fi
