#!/usr/bin/env bash
# run.sh — the database tests a DBA runs: installs database/ with plain psql, then runs the pgTAP tests
# (database/tests/pgtap) and the concurrency specs (database/tests/isolation) against real PostgreSQL.
#
#   bash database/tests/run.sh [CONNECTION]
#
# CONNECTION (or PGQUEUE_TEST_CONNECTION) is a libpq URL or key=value string, e.g.
# postgresql://postgres@127.0.0.1:5432/postgres, for a superuser (the tests create roles, switch roles and change
# settings, all rolled back). Without one, a throwaway cluster is started on a free loopback port (as the postgres
# OS user when run as root) and removed on exit. The test database (PGQUEUE_TEST_DATABASE, default pgqueue_dbtest)
# is dropped and recreated. pg_prove and pg_isolation_regress reach it through PGHOST/PGPORT/PGUSER/PGDATABASE
# taken from the connection; a password comes from the connection string, PGPASSWORD or ~/.pgpass.
# Needs pgTAP: as root it is installed with apt-get when missing. PG_BINDIR picks the PostgreSQL binaries.
# Ends with "database tests: N passed, M failed" (pgTAP files plus isolation specs; a failed contract signature
# check counts as one more failure); exits non-zero on any failure.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
database_dir=$repo_root/database
tests_dir=$database_dir/tests
signature_check=$repo_root/../shared/contract/check-signatures.sql
test_database=${PGQUEUE_TEST_DATABASE:-pgqueue_dbtest}
connection=${1:-${PGQUEUE_TEST_CONNECTION:-}}

if [[ -n ${PG_BINDIR:-} ]]; then
  pg_bin=$PG_BINDIR
elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
  pg_bin=/usr/lib/postgresql/15/bin
else
  pg_bin=$(pg_config --bindir)
fi
isolation_regress=${PG_ISOLATION_REGRESS:-$("$pg_bin/pg_config" --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress}
export PATH="$pg_bin:$PATH"

say() { printf '== %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

work_dir=$(mktemp -d /tmp/pgqueue-dbtest.XXXXXX)
cluster_dir=
cleanup() {
  if [[ -n $cluster_dir && -f $cluster_dir/data/postmaster.pid ]]; then
    as_cluster_owner pg_ctl -D "$cluster_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: a cluster of our own then belongs to the postgres OS user.
as_cluster_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

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
         -o "-p $port -k $cluster_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
         >/dev/null; then
      connection="postgresql://postgres@127.0.0.1:$port/postgres"
      return
    fi
  done
  cat "$cluster_dir/server.log" >&2 || true
  die "could not start a throwaway cluster"
}

# The same server and credentials, another database: a later dbname keyword overrides the first in libpq.
connection_to() {
  local database=$1
  if [[ $connection =~ ^postgres(ql)?:// ]]; then
    if [[ $connection == *\?* ]]; then printf '%s&dbname=%s' "$connection" "$database"
    else printf '%s?dbname=%s' "$connection" "$database"; fi
  else
    printf '%s dbname=%s' "$connection" "$database"
  fi
}

ensure_pgtap() {
  local server_major=$1 available
  available=$(psql "$connection" -X -At -c "SELECT count(*) FROM pg_catalog.pg_available_extensions WHERE name = 'pgtap'")
  if command -v pg_prove >/dev/null 2>&1 && [[ $available == 1 ]]; then
    return
  fi
  local packages="postgresql-$server_major-pgtap libtap-parser-sourcehandler-pgtap-perl"
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "pgTAP is missing (pg_prove on PATH and the pgtap extension on the server); install it, e.g. as root: apt-get install -y $packages"
  fi
  say "installing pgTAP: $packages"
  apt-get install -y -q $packages >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $packages >/dev/null; } \
    || die "apt-get could not install $packages"
  available=$(psql "$connection" -X -At -c "SELECT count(*) FROM pg_catalog.pg_available_extensions WHERE name = 'pgtap'")
  [[ $available == 1 ]] || die "the server has no pgtap extension (is it on another machine? install $packages there)"
}

[[ -n $connection ]] || start_own_cluster
psql "$connection" -X -q -At -c 'SELECT 1' >/dev/null || die "cannot connect with: $connection"
server_major=$(psql "$connection" -X -At -c "SELECT current_setting('server_version_num')::int / 10000")
ensure_pgtap "$server_major"
test_connection=$(connection_to "$test_database")


# DbUp's order: the migrations not applied yet, then every function and view, each group in name order, all in one
# transaction. install_tree CONNECTION TREE [SKIP_MIGRATIONS_OF_TREE] applies TREE/{migrations,functions,views};
# with a third argument, the migrations that tree already has are skipped (an upgrade, as the migrator journals it).
install_tree() {
  local target=$1 tree=$2 applied=${3:-} file
  local install_args=()
  while IFS= read -r file; do
    if [[ -n $applied && $file == "$tree/migrations/"* && -f $applied/migrations/$(basename "$file") ]]; then
      continue
    fi
    install_args+=(-f "$file")
  done < <(for group in migrations functions views; do
             find "$tree/$group" -maxdepth 1 -name '*.sql' -type f | LC_ALL=C sort
           done)
  psql "$target" -X -q -1 -v ON_ERROR_STOP=1 "${install_args[@]}" >/dev/null
}

create_database() {
  psql "$connection" -X -q -v ON_ERROR_STOP=1 \
    -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
    -c "CREATE DATABASE \"$1\"" >/dev/null
}

# The schema as DBAs read it: pg_dump of schema pgqueue, without the dump's session settings, comments-only lines
# and the per-run \restrict keys of newer pg_dump versions.
dump_schema() {
  pg_dump --schema-only --schema=pgqueue --no-tablespaces "$1" \
    | grep -vE '^(SET |SELECT pg_catalog\.set_config|\\(un)?restrict |--$|-- (Dumped|PostgreSQL database dump))' \
    | cat -s
}

say "creating database $test_database"
create_database "$test_database"
say "installing database/ with psql (migrations, functions, views; one transaction)"
install_tree "$test_connection" "$database_dir"
psql "$test_connection" -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap' >/dev/null

failed=0
passed=0

if [[ -f $signature_check ]]; then
  say "checking contract signatures ($(cd "$(dirname "$signature_check")" && pwd)/check-signatures.sql)"
  if ! psql "$test_connection" -X -q -v ON_ERROR_STOP=1 -f "$signature_check"; then
    echo "contract signature check FAILED" >&2
    failed=$((failed + 1))
  fi
else
  say "skipping the contract signature check: $signature_check not found"
fi

# pg_prove (its --dbname cannot carry a value with "=") and pg_isolation_regress (it connects with "dbname=<name>")
# reach the server through the environment, taken from the connection psql made.
read -r server_host server_port server_user < <(psql "$connection" -X -At -c '\echo :HOST :PORT :USER')
export PGHOST=$server_host PGPORT=$server_port PGUSER=$server_user PGDATABASE=$test_database
if [[ $connection =~ ^postgres(ql)?://[^:@/?]*:([^@/?]*)@ ]]; then
  export PGPASSWORD=${BASH_REMATCH[2]}
elif [[ $connection =~ (^|[[:space:]])password=([^[:space:]]*) ]]; then
  export PGPASSWORD=${BASH_REMATCH[2]}
fi
if [[ $connection =~ sslmode=([a-z-]+) ]]; then
  export PGSSLMODE=${BASH_REMATCH[1]}
fi

say "pgTAP tests (pg_prove)"
pgtap_files=()
while IFS= read -r file; do pgtap_files+=("$file"); done \
  < <(find "$tests_dir/pgtap" -maxdepth 1 -name '*.sql' -type f | LC_ALL=C sort)
pgtap_failed=0
set +e
(cd "$repo_root" && pg_prove --timer "${pgtap_files[@]#"$repo_root"/}") \
  | tee "$work_dir/pg_prove.log"
pgtap_status=${PIPESTATUS[0]}
set -e
# pg_prove's summary lists each failing file once as "<file> (Wstat: ...)".
pgtap_failed=$(grep -cE '\.sql +\(Wstat: ' "$work_dir/pg_prove.log" || true)
if [[ $pgtap_status -ne 0 && $pgtap_failed -eq 0 ]]; then
  pgtap_failed=${#pgtap_files[@]}
fi
passed=$((passed + ${#pgtap_files[@]} - pgtap_failed))
failed=$((failed + pgtap_failed))

say "isolation specs (pg_isolation_regress)"
specs=()
while IFS= read -r file; do specs+=("$(basename "$file" .spec)"); done \
  < <(find "$tests_dir/isolation/specs" -maxdepth 1 -name '*.spec' -type f | LC_ALL=C sort)
isolation_out=$work_dir/isolation
mkdir -p "$isolation_out"
set +e
"$isolation_regress" --use-existing --dbname="$test_database" \
  --inputdir="$tests_dir/isolation" --outputdir="$isolation_out" "${specs[@]}" | tee "$work_dir/isolation.log"
isolation_status=${PIPESTATUS[0]}
set -e
# One line per spec: "test <name> ... ok|FAILED" (PostgreSQL <= 15) or "ok|not ok N - <name>" (16+).
isolation_failed=$(grep -cE '\.\.\. +FAILED|^not ok ' "$work_dir/isolation.log" || true)
if [[ $isolation_status -ne 0 && $isolation_failed -eq 0 ]]; then
  isolation_failed=${#specs[@]}
fi
if [[ $isolation_status -ne 0 && -f $isolation_out/regression.diffs ]]; then
  cat "$isolation_out/regression.diffs"
fi
passed=$((passed + ${#specs[@]} - isolation_failed))
failed=$((failed + isolation_failed))

# database/schema.sql is the whole schema in one file, generated from a fresh install; CI fails when it is stale.
# Regenerate it with: PGQUEUE_WRITE_SCHEMA=1 bash database/tests/run.sh
say "database/schema.sql matches a fresh install"
schema_file=$database_dir/schema.sql
{
  printf -- '-- database/schema.sql: schema pgqueue as a fresh install leaves it (pg_dump --schema-only, normalised).\n'
  printf -- '-- Generated by PGQUEUE_WRITE_SCHEMA=1 bash database/tests/run.sh; read it, never apply it: install with\n'
  printf -- '-- the migrator or database/{migrations,functions,views}. The DbUp journal (pgqueue.schema_versions) is not in it.\n'
  dump_schema "$test_connection"
} >"$work_dir/schema.sql"
if cmp -s "$work_dir/schema.sql" "$schema_file"; then
  passed=$((passed + 1))
elif [[ ${PGQUEUE_WRITE_SCHEMA:-} == 1 ]]; then
  cp "$work_dir/schema.sql" "$schema_file"
  echo "wrote $schema_file"
  passed=$((passed + 1))
else
  diff -u "$schema_file" "$work_dir/schema.sql" | head -n 60 || true
  echo "database/schema.sql is stale: regenerate it with PGQUEUE_WRITE_SCHEMA=1 bash database/tests/run.sh" >&2
  failed=$((failed + 1))
fi

# install == upgrade: each earlier release's database/ (database/tests/upgrade-from.txt) installed, then upgraded the
# way the migrator does it (its new migrations, then every function and view), dumps the same as a fresh install.
if git -C "$repo_root" rev-parse --git-dir >/dev/null 2>&1; then
  while read -r release note; do
    [[ -z $release || $release == \#* ]] && continue
    if ! git -C "$repo_root" cat-file -e "$release^{commit}" 2>/dev/null; then
      say "skipping install == upgrade from $release: not in this clone (shallow?)"
      continue
    fi
    say "install == upgrade from $release ($note)"
    old_tree=$work_dir/release-$release
    mkdir -p "$old_tree"
    if ! git -C "$repo_root" archive "$release" database | tar -x -C "$old_tree"; then
      echo "cannot read release $release from git" >&2
      failed=$((failed + 1))
      continue
    fi
    upgrade_database=${test_database}_upgrade
    create_database "$upgrade_database"
    upgrade_connection=$(connection_to "$upgrade_database")
    install_tree "$upgrade_connection" "$old_tree/database"
    install_tree "$upgrade_connection" "$database_dir" "$old_tree/database"
    if diff -u <(dump_schema "$test_connection") <(dump_schema "$upgrade_connection") >"$work_dir/upgrade.diff"; then
      passed=$((passed + 1))
    else
      head -n 80 "$work_dir/upgrade.diff"
      echo "an install upgraded from $release differs from a fresh install" >&2
      failed=$((failed + 1))
    fi
    psql "$connection" -X -q -c "DROP DATABASE \"$upgrade_database\" WITH (FORCE)" >/dev/null
  done <"$tests_dir/upgrade-from.txt"
else
  say "skipping install == upgrade: not a git checkout"
fi

echo "database tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
