#!/usr/bin/env bash
# Prints a libpq URL for a connection given either as a URL (printed as is) or as an Npgsql connection string
# (Host=...;Port=...;Username=...;Password=...;Database=...), so psql-based tools and .NET share one setting.
set -euo pipefail
conn=${1:?usage: libpq-url.sh CONNECTION}
if [[ "$conn" == postgres://* || "$conn" == postgresql://* ]]; then
  printf '%s\n' "$conn"; exit 0
fi
declare -A kv=()
IFS=';' read -ra parts <<<"$conn"
for part in "${parts[@]}"; do
  [[ "$part" == *=* ]] || continue
  key=$(tr '[:upper:]' '[:lower:]' <<<"${part%%=*}" | tr -d ' ')
  kv[$key]=${part#*=}
done
host=${kv[host]:-${kv[server]:-127.0.0.1}}
port=${kv[port]:-5432}
user=${kv[username]:-${kv['user id']:-${kv[userid]:-${kv[user]:-postgres}}}}
db=${kv[database]:-${kv[db]:-postgres}}
pass=${kv[password]:-}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
if [[ -n "$pass" ]]; then
  printf 'postgresql://%s:%s@%s:%s/%s\n' "$(enc "$user")" "$(enc "$pass")" "$host" "$port" "$(enc "$db")"
else
  printf 'postgresql://%s@%s:%s/%s\n' "$(enc "$user")" "$host" "$port" "$(enc "$db")"
fi
