#!/usr/bin/env bash
# Runs every test: the DBA's SQL tests (pgTAP + isolation specs, database/tests/run.sh), the xunit suite, and the
# Node.js worker's side-by-side invariant test (examples/node-worker/test/side-by-side.sh).
#   bash scripts/test.sh                 # throwaway PostgreSQL clusters, started and removed by the tests
#   PGQUEUE_TEST_CONNECTION='Host=127.0.0.1;Port=5432;Username=postgres' bash scripts/test.sh
# With a connection, the tests create their own databases on that server (the user needs CREATEDB).
# Installs what it needs when run as root on a fresh machine (pgTAP, pg_prove).
set -euo pipefail
cd "$(dirname "$0")/.."

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

# The SQL tests take a libpq URL; the xunit suite takes an Npgsql connection string. Accept either form.
db_args=()
if [[ -n "${PGQUEUE_TEST_CONNECTION:-}" ]]; then
  db_args=("$(bash scripts/libpq-url.sh "$PGQUEUE_TEST_CONNECTION")")
fi

echo "== database tests (pgTAP, isolation) =="
db_status=0
bash database/tests/run.sh "${db_args[@]}" 2>&1 | tee "$log_dir/db.log" || db_status=$?
db_line=$(grep -E '^database tests: [0-9]+ passed, [0-9]+ failed' "$log_dir/db.log" | tail -n 1 || true)

echo "== xunit tests =="
dotnet_status=0
dotnet test PgQueue.sln --nologo -v quiet --logger "console;verbosity=normal" 2>&1 | tee "$log_dir/dotnet.log" || dotnet_status=$?

echo "== node worker tests (examples/node-worker: Node.js and C# workers side by side) =="
if ! command -v npm >/dev/null && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
node_status=0
bash examples/node-worker/test/side-by-side.sh "${db_args[@]}" 2>&1 | tee "$log_dir/node.log" || node_status=$?
node_line=$(grep -E '^node worker tests: [0-9]+ passed, [0-9]+ failed' "$log_dir/node.log" | tail -n 1 || true)

read -r db_passed db_failed < <(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"${db_line:-x 0 passed, 1 failed}")
# dotnet test ends each test project with "Passed: N", and "Failed: N" / "Skipped: N" when there are any.
count() { awk -v key="$1:" '$1 == key { s += $2 } END { print s + 0 }' "$log_dir/dotnet.log"; }
dn_passed=$(count Passed)
dn_failed=$(count Failed)
dn_skipped=$(count Skipped)
if [[ $dotnet_status -ne 0 && $dn_failed -eq 0 ]]; then dn_failed=1; fi
read -r node_passed node_failed < <(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"${node_line:-x 0 passed, 1 failed}")
if [[ $node_status -ne 0 && $node_failed -eq 0 ]]; then node_failed=1; fi

echo
echo "database tests: ${db_passed} passed, ${db_failed} failed"
echo "xunit tests: ${dn_passed} passed, ${dn_failed} failed, ${dn_skipped} skipped"
echo "node worker tests: ${node_passed} passed, ${node_failed} failed"
echo "all: $(( db_passed + dn_passed + node_passed )) passed, $(( db_failed + dn_failed + node_failed )) failed"
[[ $db_status -eq 0 && $dotnet_status -eq 0 && $node_status -eq 0 ]]
