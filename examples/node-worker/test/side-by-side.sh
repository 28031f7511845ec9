#!/usr/bin/env bash
# side-by-side.sh — the shared invariant test: Node.js workers (examples/node-worker) and C# workers
# (`pgqueue lambda-local`) drain the SAME batches at once while task transactions are killed under them, then SQL
# checks the invariants of DESIGN.md from what committed: nothing lost, exactly once, FIFO per batch, no overlapping
# owners, and that both languages did work.
#
#   bash examples/node-worker/test/side-by-side.sh [CONNECTION]
#
# CONNECTION (or PGQUEUE_TEST_CONNECTION) is a libpq URL for a superuser, e.g. postgresql://postgres@127.0.0.1/postgres;
# the test (re)creates the database pgqueue_nodetest and the login role pgqueue_nodetest_worker there. Without one it
# starts a throwaway PostgreSQL cluster (as the postgres OS user when run as root) and removes it on exit.
# Needs node + npm (runs `npm ci`), psql, and the .NET SDK (builds src/PgQueue.Cli, migrates with `pgqueue migrate`).
# Sizes: NODE_TEST_BATCHES (40) x NODE_TEST_TASKS (8) tasks of NODE_TEST_TASK_MS (100) ms; NODE_TEST_SIGKILLS (4)
# kill -9 of worker processes and NODE_TEST_TERMINATES (6) pg_terminate_backend of task transactions, half of each
# aimed at each language; NODE_TEST_DEADLINE_S (300): the race fails if the queue is not empty by then.
# NODE_TEST_KEEP_LOGS=1 keeps the worker logs (they are always kept when the test fails).
# Ends with "node worker tests: N passed, M failed" (N, M: invariant checks); exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_root=$(cd "$here/../.." && pwd)
connection=${1:-${PGQUEUE_TEST_CONNECTION:-}}
batches=${NODE_TEST_BATCHES:-40}
tasks=${NODE_TEST_TASKS:-8}
task_ms=${NODE_TEST_TASK_MS:-100}
sigkills=${NODE_TEST_SIGKILLS:-4}
terminates=${NODE_TEST_TERMINATES:-6}
deadline_s=${NODE_TEST_DEADLINE_S:-300}
lease_s=2          # >= 10x a task, short so a killed owner's batch is taken over soon
per_claim=5        # tasks per claim: batches change hands (and languages) while they drain
test_db=pgqueue_nodetest
worker_role=pgqueue_nodetest_worker

if [[ -n ${PG_BINDIR:-} ]]; then pg_bin=$PG_BINDIR
elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then pg_bin=/usr/lib/postgresql/15/bin
else pg_bin=$(pg_config --bindir); fi
export PATH="$pg_bin:$PATH"

say() { printf "== [%3ss] %s\n" "$SECONDS" "$*"; }
die() { printf 'side-by-side.sh: %s\n' "$*" >&2; exit 2; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }

work_dir=$(mktemp -d /tmp/pgqueue-nodetest.XXXXXX)
cluster_dir=
declare -A pid=()          # slot -> worker process id
cleanup() {
  local status=$?
  for slot in "${!pid[@]}"; do kill -9 "${pid[$slot]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n $cluster_dir && -f $cluster_dir/data/postmaster.pid ]]; then
    as_cluster_owner pg_ctl -D "$cluster_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ ($status -ne 0 || -n ${NODE_TEST_KEEP_LOGS:-}) && -d $work_dir/logs ]]; then
    local kept; kept=$(mktemp -d /tmp/pgqueue-nodetest-logs.XXXXXX)
    cp -r "$work_dir/logs/." "$kept/"
    echo "side-by-side.sh: worker logs kept in $kept" >&2
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# ---- a server: the one given, or a throwaway cluster (database/tests/run.sh's way) -------------------------------
as_cluster_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start_own_cluster() {
  cluster_dir=$work_dir/cluster
  mkdir -p "$cluster_dir"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres OS user to own a throwaway cluster"
    chown postgres "$work_dir" "$cluster_dir"
  fi
  say "starting a throwaway cluster in $cluster_dir"
  as_cluster_owner initdb -D "$cluster_dir/data" -U postgres -A trust --no-sync >"$cluster_dir/initdb.log" 2>&1 \
    || { cat "$cluster_dir/initdb.log" >&2; die "initdb failed"; }
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    port_is_free "$port" || continue
    if as_cluster_owner pg_ctl -D "$cluster_dir/data" -l "$cluster_dir/server.log" -w -t 60 start \
         -o "-p $port -k $cluster_dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c track_commit_timestamp=on" \
         >/dev/null; then
      connection="postgresql://postgres@127.0.0.1:$port/postgres"
      return
    fi
  done
  cat "$cluster_dir/server.log" >&2 || true
  die "could not start a throwaway cluster"
}
connection_to() {  # the same server and credentials, another database (a later dbname wins in libpq)
  if [[ $connection =~ ^postgres(ql)?:// ]]; then
    if [[ $connection == *\?* ]]; then printf '%s&dbname=%s' "$connection" "$1"; else printf '%s?dbname=%s' "$connection" "$1"; fi
  else
    printf '%s dbname=%s' "$connection" "$1"
  fi
}

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed (e.g. apt-get install -y nodejs npm)"
say "npm ci (examples/node-worker)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

# The C# CLI's Debug build (scripts/test.sh has just built it for xunit): built again only if a source is newer.
cli=$repo_root/src/PgQueue.Cli/bin/Debug/net10.0/pgqueue.dll
if [[ ! -f $cli || -n $(find "$repo_root/src" "$repo_root/database" "$repo_root"/Directory.*.props -newer "$cli" -type f \
       -not -path '*/bin/*' -not -path '*/obj/*' \( -name '*.cs' -o -name '*.csproj' -o -name '*.sql' -o -name '*.props' \) \
       -print -quit) ]]; then
  say "building the C# CLI (src/PgQueue.Cli)"
  dotnet build "$repo_root/src/PgQueue.Cli" -c Debug --nologo -v quiet -clp:ErrorsOnly >/dev/null
fi

[[ -n $connection ]] || start_own_cluster
psql "$connection" -X -q -At -c 'SELECT 1' >/dev/null || die "cannot connect with: $connection"
admin=$(connection_to "$test_db")
q() { psql "$admin" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# Npgsql and libpq connection strings for the same server, from what psql connected to.
read -r host port admin_user < <(psql "$connection" -X -At -c '\echo :HOST :PORT :USER')
admin_password=
if [[ $connection =~ ^postgres(ql)?://[^:@/?]*:([^@/?]*)@ ]]; then admin_password=${BASH_REMATCH[2]}
elif [[ $connection =~ (^|[[:space:]])password=([^[:space:]]*) ]]; then admin_password=${BASH_REMATCH[2]}; fi
admin_password=${admin_password:-${PGPASSWORD:-}}
worker_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
npgsql() { printf 'Host=%s;Port=%s;Username=%s;Password=%s;Database=%s;Timeout=5%s' "$host" "$port" "$1" "$2" "$test_db" "${3:+;Application Name=$3}"; }
libpq_worker() {
  if [[ $host == /* ]]; then printf 'postgresql://%s:%s@/%s?host=%s&port=%s&application_name=%s' "$worker_role" "$worker_password" "$test_db" "$host" "$port" "$1"
  else printf 'postgresql://%s:%s@%s:%s/%s?application_name=%s' "$worker_role" "$worker_password" "$host" "$port" "$test_db" "$1"; fi
}

say "creating database $test_db and migrating it with pgqueue migrate"
psql "$connection" -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS $test_db WITH (FORCE)" -c "DROP ROLE IF EXISTS $worker_role" -c "CREATE DATABASE $test_db" >/dev/null
dotnet "$cli" migrate --connection "$(npgsql "$admin_user" "$admin_password")" >"$work_dir/migrate.log" 2>&1 \
  || { cat "$work_dir/migrate.log" >&2; die "pgqueue migrate failed"; }

# The demo tables of src/PgQueue.Client/DemoTasks.cs, plus a column that says which worker process wrote each row
# (its application_name: pgqueue-node-N or pgqueue-cs-N). The workers log in with pgqueue_worker's rights and
# INSERT on these two tables: nothing else, so neither language can lock or change the queue but through the functions.
q >/dev/null <<SQL
CREATE SCHEMA pgqueue_demo;
CREATE TABLE pgqueue_demo.lambda_task_runs (
  seq bigserial PRIMARY KEY, task_id bigint NOT NULL, batch_id text NOT NULL, lease_token bigint NOT NULL,
  attempt integer NOT NULL, finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  worker text NOT NULL DEFAULT current_setting('application_name'));
CREATE TABLE pgqueue_demo.lambda_task_starts (
  seq bigserial PRIMARY KEY, task_id bigint NOT NULL, batch_id text NOT NULL, lease_token bigint NOT NULL,
  attempt integer NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  worker text NOT NULL DEFAULT current_setting('application_name'));
CREATE ROLE $worker_role LOGIN PASSWORD '$worker_password' IN ROLE pgqueue_worker;
GRANT USAGE ON SCHEMA pgqueue_demo TO $worker_role;
GRANT INSERT ON pgqueue_demo.lambda_task_runs, pgqueue_demo.lambda_task_starts TO $worker_role;
GRANT USAGE ON SEQUENCE pgqueue_demo.lambda_task_runs_seq_seq, pgqueue_demo.lambda_task_starts_seq_seq TO $worker_role;

-- What was enqueued, for the checks: every 5th batch has a task that fails its first try (fail_task, then it
-- succeeds), batches 7 and 23 a poison task (fails every try, max_attempts 2: it must end dead, nothing else may).
CREATE TABLE pgqueue_demo.enqueued (task_id bigint PRIMARY KEY, batch_id text NOT NULL, fails_once boolean NOT NULL, poison boolean NOT NULL);
DO \$\$
DECLARE
  b int; t int; batch text; fails_once boolean; poison boolean; id bigint;
BEGIN
  FOR t IN 1..$tasks LOOP          -- task by task across the batches, so that batch heads age alike
    FOR b IN 0..$batches - 1 LOOP
      batch := format('side-%s', lpad(b::text, 3, '0'));
      fails_once := b % 5 = 2 AND t = 2;
      poison := b IN (7, 23) AND t = 3;
      id := pgqueue.enqueue(batch_id => batch, task_type => 'demo.sleep',
              payload => jsonb_build_object('sleepMs', $task_ms, 'record', true, 'logStart', true,
                                            'failAttempts', CASE WHEN fails_once THEN 1 ELSE 0 END, 'fail', poison),
              max_attempts => CASE WHEN poison THEN 2 END);
      INSERT INTO pgqueue_demo.enqueued VALUES (id, batch, fails_once, poison);
    END LOOP;
  END LOOP;
END
\$\$;
SQL
enqueued=$(q -c "SELECT count(*) FROM pgqueue_demo.enqueued")
say "enqueued $enqueued tasks in $batches batches (${task_ms} ms each)"

# ---- the race ---------------------------------------------------------------------------------------------------
mkdir -p "$work_dir/logs"
declare -A runs=()         # slot -> how many processes it has run
start_worker() {
  local slot=$1 n=$(( ${runs[$1]:-0} + 1 ))
  runs[$slot]=$n
  local log=$work_dir/logs/$slot.$n.log
  case $slot in
    node-*) node "$here/worker.js" --url "$(libpq_worker "pgqueue-$slot")" --worker-id "$slot.$n" --concurrency 2 \
              --lease "$lease_s" --tasks-per-claim "$per_claim" --poll-ms 100 >"$log" 2>&1 & ;;
    cs-*)   dotnet "$cli" lambda-local --connection "$(npgsql "$worker_role" "$worker_password" "pgqueue-$slot")" \
              --every 100ms --concurrency 2 --budget 10s --max-tasks "$per_claim" --lease "${lease_s}s" >"$log" 2>&1 & ;;
  esac
  pid[$slot]=$!
}
connected() {  # how many of the given language's worker slots have a connection open
  q -c "SELECT count(DISTINCT application_name) FROM pg_stat_activity WHERE application_name LIKE 'pgqueue-$1-%'"
}
elapsed() { printf '%6.1fs' "$(( ($(now_ms) - started) / 100 ))e-1"; }
say "starting 2 C# workers (pgqueue lambda-local), then 2 Node workers; 2 loops each, lease ${lease_s}s"
started=$(now_ms)
start_worker cs-1
start_worker cs-2
# .NET starts slower than node: give the C# workers a head start (until they are connected, 60 s at most).
for _ in $(seq 600); do [[ $(connected cs) -ge 2 ]] && break; sleep 0.1; done
echo "   $(elapsed)  C# workers connected: $(connected cs) of 2; starting the Node workers"
start_worker node-1
start_worker node-2
slots=(cs-1 cs-2 node-1 node-2)

# The disturbances: one of each kind first, then the rest, shuffled; spread over the first two thirds of the race by
# progress (the i-th of E, from 1, once the pending count falls to enqueued x (1 - 2i/3E)), not by time. Each hits a task transaction that is running
# right now: the first pending event whose language has one goes. A process is killed only while the other process of
# its language is connected, so both languages keep working however slowly .NET starts again.
events=()
for ((i = 0; i < sigkills; i++)); do events+=("sigkill $([[ $((i % 2)) -eq 0 ]] && echo node || echo cs)"); done
for ((i = 0; i < terminates; i++)); do events+=("terminate $([[ $((i % 2)) -eq 0 ]] && echo cs || echo node)"); done
mapfile -t events < <(printf '%s\n' "${events[@]}" | sort | uniq -c | awk '{ print $2 " " $3 }' | shuf
                      printf '%s\n' "${events[@]}" | sort | awk 'seen[$0]++' | shuf)
event_count=${#events[@]}
declare -A done_events=()
unexpected_exits=0

while true; do
  fired=$(( event_count - ${#events[@]} ))
  threshold=$(( enqueued * (3 * event_count - 2 * (fired + 1)) / (3 * event_count) ))
  # One round trip: the pending count, a backend of each language inside a task transaction ("pid app"; idle in
  # transaction while the task works), and how many worker slots of each language are connected.
  IFS='|' read -r pending victim_node victim_cs up_node up_cs < <(q -c "
    SELECT (SELECT count(*) FROM pgqueue.tasks), $(for lang in node cs; do printf "
      (SELECT pid || ' ' || application_name FROM pg_stat_activity WHERE datname = current_database()
         AND application_name LIKE 'pgqueue-$lang-%%' AND state = 'idle in transaction' ORDER BY random() LIMIT 1),"; done)
      (SELECT count(DISTINCT application_name) FROM pg_stat_activity WHERE application_name LIKE 'pgqueue-node-%'),
      (SELECT count(DISTINCT application_name) FROM pg_stat_activity WHERE application_name LIKE 'pgqueue-cs-%')")
  [[ $pending -eq 0 ]] && break
  if (( $(now_ms) - started > deadline_s * 1000 )); then
    q -c "SELECT * FROM pgqueue.batch_status WHERE pending > 0" >&2 || true
    echo "side-by-side.sh: the queue still had $pending tasks after ${deadline_s}s" >&2
    exit 1
  fi
  for i in "${!events[@]}"; do
    (( pending <= threshold )) || break
    read -r kind lang <<<"${events[$i]}"
    victim=victim_$lang up=up_$lang
    [[ -n ${!victim} ]] || continue
    [[ $kind == sigkill && ${!up} -lt 2 ]] && continue
    read -r backend app <<<"${!victim}"
    if [[ $kind == terminate ]]; then
      q -c "SELECT pg_terminate_backend($backend)" >/dev/null
    else
      slot=${app#pgqueue-}
      kill -9 "${pid[$slot]}" 2>/dev/null || true
      wait "${pid[$slot]}" 2>/dev/null || true
      start_worker "$slot"
    fi
    done_events["$kind $lang"]=$(( ${done_events["$kind $lang"]:-0} + 1 ))
    echo "   $(elapsed)  $(printf '%-9s %-14s backend %-6s %s tasks pending' "$kind" "$app" "$backend" "$pending")"
    unset 'events[i]'
    events=("${events[@]}")
    break
  done
  # A worker must not die on its own (e.g. of an unhandled error when its connection is terminated).
  for slot in "${slots[@]}"; do
    if ! kill -0 "${pid[$slot]}" 2>/dev/null; then
      status=0; wait "${pid[$slot]}" || status=$?
      echo "side-by-side.sh: worker $slot.${runs[$slot]} exited on its own with status $status; restarting it" >&2
      unexpected_exits=$(( unexpected_exits + 1 ))
      start_worker "$slot"
    fi
  done
  sleep 0.05
done
race_s=$(( ($(now_ms) - started) / 1000 ))

say "queue empty after ${race_s}s; stopping the workers"
for slot in "${slots[@]}"; do kill -9 "${pid[$slot]}" 2>/dev/null || true; wait "${pid[$slot]}" 2>/dev/null || true; done
pid=()

# ---- the invariants ---------------------------------------------------------------------------------------------
kills=0; terminated=0
for key in "${!done_events[@]}"; do
  [[ $key == sigkill* ]] && kills=$(( kills + done_events[$key] ))
  [[ $key == terminate* ]] && terminated=$(( terminated + done_events[$key] ))
done
# Task runs a worker logged as finished without completing (failed try, lease lost, not the head, connection lost):
# each may be started again. C#: event 4001 with another outcome; Node: "task finished" with another outcome.
abandoned=$(cat "$work_dir"/logs/*.log | grep -E '"eventId":4001|"msg":"task finished"' | grep -vc '"outcome":"completed"' || true)
node_errors=$(cat "$work_dir"/logs/node-*.log | grep -c '"msg":"batch abandoned after an error"' || true)
abandoned=$(( abandoned + node_errors ))
renewals=$(cat "$work_dir"/logs/node-*.log | grep -c '"msg":"lease renewed"' || true)

# Commit order: the commit timestamps where the server keeps them, else the record's sequence (within a batch the
# records are written one transaction after another, so the two agree unless owners overlap).
if [[ $(q -c "SHOW track_commit_timestamp") == on ]]; then
  order="pg_xact_commit_timestamp(r.xmin), r.seq"; order_name="commit timestamp"
else
  order="r.seq"; order_name="record sequence"
fi
q -c "CREATE VIEW pgqueue_demo.committed AS
      SELECT r.*, row_number() OVER (PARTITION BY r.batch_id ORDER BY $order) AS commit_rank
      FROM pgqueue_demo.lambda_task_runs r" >/dev/null

passed=0; failed=0
verdict() {  # verdict NAME PROBLEMS: no problems = passed
  if [[ -z $2 ]]; then
    passed=$(( passed + 1 )); echo "ok     $1"
  else
    failed=$(( failed + 1 )); echo "FAILED $1"; head -n 10 <<<"$2" | sed 's/^/         /'
  fi
}
check() { verdict "$1" "$(q -c "$2")"; }  # check NAME SQL: the SQL returns the offending rows
say "invariants"
check "nothing pending" \
  "SELECT 'pending task ' || task_id FROM pgqueue.pending_tasks"
check "dead tasks are exactly the injected poison tasks" \
  "SELECT 'dead but not poison: ' || task_id FROM pgqueue.failed_tasks WHERE task_id NOT IN (SELECT task_id FROM pgqueue_demo.enqueued WHERE poison)
   UNION ALL SELECT 'poison but not dead: ' || task_id FROM pgqueue_demo.enqueued WHERE poison AND task_id NOT IN (SELECT task_id FROM pgqueue.failed_tasks)"
check "every other task committed its record exactly once (nothing lost, nothing twice)" \
  "SELECT format('task %s: %s records', e.task_id, count(r.seq)) FROM pgqueue_demo.enqueued e
   LEFT JOIN pgqueue_demo.lambda_task_runs r USING (task_id) WHERE NOT e.poison GROUP BY e.task_id HAVING count(r.seq) <> 1
   UNION ALL SELECT 'record of a task never enqueued or poison: ' || task_id FROM pgqueue_demo.lambda_task_runs
   WHERE task_id NOT IN (SELECT task_id FROM pgqueue_demo.enqueued WHERE NOT poison)"
check "FIFO: in each batch, tasks committed in id order ($order_name)" \
  "SELECT format('batch %s: task %s committed after task %s', batch_id, task_id, previous) FROM (
     SELECT batch_id, task_id, lag(task_id) OVER (PARTITION BY batch_id ORDER BY commit_rank) AS previous FROM pgqueue_demo.committed) c
   WHERE task_id < previous"
check "no overlapping owners: along commit order a batch's lease token never goes back" \
  "SELECT format('batch %s: task %s committed under lease %s after lease %s', batch_id, task_id, lease_token, previous) FROM (
     SELECT batch_id, task_id, lease_token, lag(lease_token) OVER (PARTITION BY batch_id ORDER BY commit_rank) AS previous
     FROM pgqueue_demo.committed) c
   WHERE lease_token < previous"
check "no overlapping owners: a lease's commits all come from one worker, in one batch" \
  "SELECT format('lease %s: batches %s, workers %s', lease_token, string_agg(DISTINCT batch_id, ','), string_agg(DISTINCT worker, ','))
   FROM pgqueue_demo.lambda_task_runs GROUP BY lease_token HAVING count(DISTINCT batch_id) > 1 OR count(DISTINCT worker) > 1"
check "a task that failed its first try (fail_task) completed on a later try" \
  "SELECT format('task %s completed on try %s', r.task_id, r.attempt) FROM pgqueue_demo.lambda_task_runs r
   JOIN pgqueue_demo.enqueued e USING (task_id) WHERE e.fails_once AND r.attempt < 2"
check "both languages completed tasks" \
  "SELECT 'no tasks completed by the ' || lang || ' workers' FROM (VALUES ('node'), ('cs')) l(lang)
   WHERE NOT EXISTS (SELECT FROM pgqueue_demo.lambda_task_runs WHERE worker LIKE 'pgqueue-' || lang || '-%')"
# Each start without its record is a redo, caused by a kill (a killed process may be running 2 tasks: 2 loops),
# a terminated transaction, or a run its worker logged as not completed.
check "redone starts <= 2 x kills + terminations + runs logged as not completed ($kills, $terminated, $abandoned)" \
  "SELECT format('%s starts, %s records: %s redone', s, d, s - d) FROM
     (SELECT (SELECT count(*) FROM pgqueue_demo.lambda_task_starts) s, (SELECT count(*) FROM pgqueue_demo.lambda_task_runs) d) x
   WHERE s - d > 2 * $kills + $terminated + $abandoned OR s < d"
not_disturbed=
for k in 'sigkill node' 'sigkill cs' 'terminate node' 'terminate cs'; do
  want=$sigkills; [[ $k == terminate* ]] && want=$terminates
  (( want > 0 && ${done_events[$k]:-0} == 0 )) && not_disturbed+="no $k while work remained; "
done
verdict "task transactions were killed mid-flight, in both languages ($kills kill -9, $terminated pg_terminate_backend)" "$not_disturbed"
verdict "no worker process died on its own" "$( (( unexpected_exits == 0 )) || echo "$unexpected_exits unexpected exits")"

say "figures"
q -c "SELECT format('tasks completed: node %s, C# %s; batches completed by both languages: %s of %s; starts without a commit (failed, killed or redone) %s',
        count(*) FILTER (WHERE worker LIKE 'pgqueue-node-%'), count(*) FILTER (WHERE worker LIKE 'pgqueue-cs-%'),
        (SELECT count(*) FROM (SELECT batch_id FROM pgqueue_demo.lambda_task_runs GROUP BY batch_id
                               HAVING count(DISTINCT split_part(worker, '-', 2)) = 2) b), $batches,
        (SELECT count(*) FROM pgqueue_demo.lambda_task_starts) - count(*))
      FROM pgqueue_demo.lambda_task_runs"
echo "disturbances: kill -9 node ${done_events['sigkill node']:-0}, kill -9 C# ${done_events['sigkill cs']:-0}," \
  "pg_terminate_backend node ${done_events['terminate node']:-0}, C# ${done_events['terminate cs']:-0};" \
  "runs not completed ${abandoned}; node lease renewals ${renewals}; race ${race_s}s"
echo "node worker tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
