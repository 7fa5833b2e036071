#!/usr/bin/env bash
# tanfang high-availability cluster on ONE machine, from Debian's packages: three etcd members, three
# Patroni-managed PostgreSQL 15 nodes with synchronous replication, HAProxy (write port = leader,
# read port = replicas, by Patroni's REST checks) and pgBackRest (local repository, WAL archiving).
# The configuration files it fills in (patroni.yml.tmpl, haproxy.cfg.tmpl, pgbackrest.conf.tmpl) are
# the starting point for three real hosts: docs/运维手册.md.
#
#   ops/ha/cluster.sh up                 create and start everything (prints the environment)
#   ops/ha/cluster.sh env                DATABASE_URL / DATABASE_READ_URL / … as shell exports
#   ops/ha/cluster.sh status             patronictl list, HAProxy's view
#   ops/ha/cluster.sh leader             name of the current leader (pg1, pg2 or pg3)
#   ops/ha/cluster.sh kill-postgres [N]  SIGKILL the postmaster of node N (default: the leader)
#   ops/ha/cluster.sh kill-patroni [N]   SIGKILL Patroni of node N (default: the leader); its postgres
#                                        keeps running unmanaged until `start-node N`
#   ops/ha/cluster.sh start-node N | stop-node N
#   ops/ha/cluster.sh switchover [N]     planned switchover to node N (default: the sync standby)
#   ops/ha/cluster.sh backup full|diff|incr
#   ops/ha/cluster.sh pitr 'YYYY-MM-DD HH:MM:SS.ffffff+00'
#                                        rebuild the cluster as it was at that moment (pgBackRest)
#   ops/ha/cluster.sh down               stop everything and delete HA_DIR (KEEP=1 keeps the files)
#
# Environment: HA_DIR (default ${TMPDIR:-/tmp}/tanfang-ha), HA_PORT_BASE (default 25430: PostgreSQL
# on base+1..3, HAProxy write/read/stats/app on base+10..13, Patroni REST on base+21..23, etcd on
# base+31..36, app processes on base+41..42). Below Linux's ephemeral range (32768–60999): with the base
# at 55430 an outgoing connection of another program held etcd's port for a moment and the third
# member could not bind (seen on a busy machine).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
HA_DIR="${HA_DIR:-${TMPDIR:-/tmp}/tanfang-ha}"
B="${HA_PORT_BASE:-25430}"
BIND_HOST=127.0.0.1
PGBIN=/usr/lib/postgresql/15/bin
NODES=(1 2 3)
WRITE_PORT=$((B + 10)) READ_PORT=$((B + 11)) STATS_PORT=$((B + 12)) APP_PORT=$((B + 13))
pg_port() { echo $((B + $1)); }
api_port() { echo $((B + 20 + $1)); }
etcd_client() { echo $((B + 29 + 2 * $1)); }
etcd_peer() { echo $((B + 30 + 2 * $1)); }
app_port() { echo $((B + 40 + $1)); }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# PostgreSQL refuses to run as root: when root, Patroni and pgBackRest run as the postgres user.
if [ "$(id -u)" = 0 ]; then
  RUN_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  OWNER=postgres
else
  RUN_AS=()
  OWNER="$(id -un)"
fi
as_pg() { "${RUN_AS[@]}" "$@"; }

pidfile() { echo "$HA_DIR/run/$1.pid"; }
alive() { local f; f="$(pidfile "$1")"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

# Starts a daemon in its own session, its output in log/NAME.log, its pid in run/NAME.pid.
spawn() {
  local name="$1"
  shift
  setsid "$@" >>"$HA_DIR/log/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

stop_pid() { # name signal timeout_s
  local f pid
  f="$(pidfile "$1")"
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  kill -"$2" "$pid" 2>/dev/null || true
  for _ in $(seq $(($3 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$f"
}

secrets() {
  # shellcheck disable=SC1091
  [ -f "$HA_DIR/secrets" ] && . "$HA_DIR/secrets"
  return 0
}

etcd_hosts() {
  local h=() i
  for i in "${NODES[@]}"; do h+=("$BIND_HOST:$(etcd_client "$i")"); done
  (IFS=,; echo "${h[*]}")
}

# ---------------------------------------------------------------------------------------------- config
render() { # template output; only the listed variables are replaced
  envsubst "$(printf '${%s} ' HA_DIR NODE NODE_HOST PG_PORT API_PORT ETCD_HOSTS PG_DATA PG_RUN LOG_DIR \
    PGBR_CONF ALLOW_NET SUPERUSER_PASSWORD REPLICATION_PASSWORD REWIND_PASSWORD BOOTSTRAP_METHOD \
    BIND_HOST STATS_PORT WRITE_PORT READ_PORT APP_PORT WRITE_SERVERS READ_SERVERS APP_SERVERS PG_HOSTS)" \
    <"$1" >"$2"
}

write_patroni_config() { # node [bootstrap-method-block]
  local i="$1"
  secrets
  NODE="pg$i" NODE_HOST="$BIND_HOST" PG_PORT="$(pg_port "$i")" API_PORT="$(api_port "$i")" \
    ETCD_HOSTS="$(etcd_hosts)" PG_DATA="$HA_DIR/pg$i/data" PG_RUN="$HA_DIR/pg$i" LOG_DIR="$HA_DIR/log/pg$i" \
    PGBR_CONF="$HA_DIR/pgbackrest.conf" ALLOW_NET="127.0.0.1/32" BOOTSTRAP_METHOD="${2:-}" \
    SUPERUSER_PASSWORD="$SUPERUSER_PASSWORD" REPLICATION_PASSWORD="$REPLICATION_PASSWORD" \
    REWIND_PASSWORD="$REWIND_PASSWORD" HA_DIR="$HA_DIR" \
    render "$HERE/patroni.yml.tmpl" "$HA_DIR/pg$i.yml"
  mkdir -p "$HA_DIR/log/pg$i"
  chown -R "$OWNER" "$HA_DIR/pg$i.yml" "$HA_DIR/log/pg$i"
  chmod 600 "$HA_DIR/pg$i.yml"
}

write_configs() {
  local i w="" r="" a="" h=""
  for i in "${NODES[@]}"; do
    mkdir -p "$HA_DIR/pg$i"
    write_patroni_config "$i"
    w+="    server pg$i $BIND_HOST:$(pg_port "$i") maxconn 300 check port $(api_port "$i")"$'\n'
    r+="    server pg$i $BIND_HOST:$(pg_port "$i") maxconn 300 check port $(api_port "$i")"$'\n'
    h+="pg$i-path=$HA_DIR/pg$i/data"$'\n'"pg$i-port=$(pg_port "$i")"$'\n'"pg$i-socket-path=$HA_DIR/pg$i"$'\n'
  done
  for i in 1 2; do a+="    server app$i $BIND_HOST:$(app_port "$i") check"$'\n'; done
  HA_DIR="$HA_DIR" BIND_HOST="$BIND_HOST" STATS_PORT="$STATS_PORT" WRITE_PORT="$WRITE_PORT" \
    READ_PORT="$READ_PORT" APP_PORT="$APP_PORT" WRITE_SERVERS="$w" READ_SERVERS="$r" APP_SERVERS="$a" \
    render "$HERE/haproxy.cfg.tmpl" "$HA_DIR/haproxy.cfg"
  HA_DIR="$HA_DIR" PG_HOSTS="$h" render "$HERE/pgbackrest.conf.tmpl" "$HA_DIR/pgbackrest.conf"
  mkdir -p "$HA_DIR/pgbackrest"/{repo,log,lock,spool}
  chown -R "$OWNER" "$HA_DIR"
}

# ---------------------------------------------------------------------------------------------- parts
start_etcd() {
  local i cluster=()
  for i in "${NODES[@]}"; do cluster+=("e$i=http://$BIND_HOST:$(etcd_peer "$i")"); done
  for i in "${NODES[@]}"; do
    alive "etcd$i" && continue
    spawn "etcd$i" etcd --name "e$i" --data-dir "$HA_DIR/etcd$i" \
      --listen-client-urls "http://$BIND_HOST:$(etcd_client "$i")" \
      --advertise-client-urls "http://$BIND_HOST:$(etcd_client "$i")" \
      --listen-peer-urls "http://$BIND_HOST:$(etcd_peer "$i")" \
      --initial-advertise-peer-urls "http://$BIND_HOST:$(etcd_peer "$i")" \
      --initial-cluster "$(IFS=,; echo "${cluster[*]}")" --initial-cluster-state new \
      --initial-cluster-token tanfang-ha
  done
  for _ in $(seq 300); do
    ETCDCTL_API=3 etcdctl --endpoints="$(etcd_hosts)" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "etcd did not become healthy (log: $HA_DIR/log/etcd1.log)"
}

start_node() {
  local i="$1"
  alive "patroni$i" && return 0
  spawn "patroni$i" "${RUN_AS[@]}" /usr/bin/patroni "$HA_DIR/pg$i.yml"
}

api() { # node path → body (empty when down)
  curl -s --max-time 2 "http://$BIND_HOST:$(api_port "$1")$2" 2>/dev/null || true
}

cluster_json() {
  local i out
  for i in "${NODES[@]}"; do
    out="$(api "$i" /cluster)"
    [ -n "$out" ] && { echo "$out"; return 0; }
  done
  echo '{"members":[]}'
}

leader() { cluster_json | jq -r '.members[] | select(.role=="leader") | .name' | sed 's/^pg//'; }

wait_for() { # seconds description command...
  local secs="$1" what="$2"
  shift 2
  local deadline=$(($(date +%s) + secs))
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "timed out after ${secs}s waiting for: $what"
}

has_leader() { [ -n "$(leader)" ]; }
streaming_replicas() { # count of replicas streaming from the leader
  # Patroni 3.0 reports a streaming replica as "running" on the leader's timeline with a lag.
  cluster_json | jq '.members as $m | ([$m[] | select(.role=="leader") | .timeline][0]) as $tl
    | [$m[] | select(.role!="leader" and (.state=="streaming" or .state=="running")
        and .timeline==$tl and (.lag|type)=="number")] | length'
}
all_replicas_streaming() { [ "$(streaming_replicas)" -ge "${1:-2}" ]; }
has_sync() { [ "$(cluster_json | jq '[.members[] | select(.role=="sync_standby")] | length')" -ge 1 ]; }
write_port_open() { psql_super -p "$WRITE_PORT" -h "$BIND_HOST" -Atc 'select pg_is_in_recovery()' 2>/dev/null | grep -qx f; }

psql_super() {
  secrets
  PGPASSWORD="$SUPERUSER_PASSWORD" psql -X -v ON_ERROR_STOP=1 -U postgres -d postgres "$@"
}

start_haproxy() {
  haproxy -c -q -f "$HA_DIR/haproxy.cfg" || die "haproxy.cfg does not validate"
  if alive haproxy; then
    # Reload in place (new process takes over the ports; old one finishes its connections).
    haproxy -D -f "$HA_DIR/haproxy.cfg" -p "$HA_DIR/haproxy.pid" -sf "$(cat "$(pidfile haproxy)")"
  else
    haproxy -D -f "$HA_DIR/haproxy.cfg" -p "$HA_DIR/haproxy.pid"
  fi
  for _ in $(seq 50); do [ -s "$HA_DIR/haproxy.pid" ] && break; sleep 0.1; done
  cp "$HA_DIR/haproxy.pid" "$(pidfile haproxy)"
}

print_env() {
  secrets
  cat <<EOF
export DATABASE_URL='postgres://tanfang:$APP_PASSWORD@$BIND_HOST:$WRITE_PORT/tanfang'
export DATABASE_READ_URL='postgres://tanfang:$APP_PASSWORD@$BIND_HOST:$READ_PORT/tanfang'
export HA_SUPERUSER_URL='postgres://postgres:$SUPERUSER_PASSWORD@$BIND_HOST:$WRITE_PORT/postgres'
export HA_DIR='$HA_DIR'
export HA_APP_URL='http://$BIND_HOST:$APP_PORT'
export HA_APP_PORTS='$(app_port 1) $(app_port 2)'
export HA_STATS_URL='http://$BIND_HOST:$STATS_PORT/'
EOF
}

pgbr() { as_pg pgbackrest --config="$HA_DIR/pgbackrest.conf" --stanza=tanfang "$@"; }

wait_cluster() { # replicas wanted
  wait_for 120 "a leader" has_leader
  wait_for 180 "$1 streaming replica(s)" all_replicas_streaming "$1"
  wait_for 60 "a synchronous standby" has_sync
  wait_for 30 "the write port to reach the leader" write_port_open
}

# ---------------------------------------------------------------------------------------------- commands
cmd_up() {
  command -v patroni >/dev/null && command -v etcd >/dev/null && command -v haproxy >/dev/null &&
    command -v pgbackrest >/dev/null || die "needs Debian packages: patroni etcd-server etcd-client haproxy pgbackrest postgresql-15"
  if [ -d "$HA_DIR/run" ] && ls "$HA_DIR"/run/*.pid >/dev/null 2>&1; then
    die "$HA_DIR holds a running cluster: '$0 down' first"
  fi
  rm -rf "$HA_DIR"
  mkdir -p "$HA_DIR"/{run,log}
  chown "$OWNER" "$HA_DIR"
  as_pg test -w "$HA_DIR" ||
    die "$HA_DIR is not reachable by the $OWNER user (a folder above it is private, e.g. mktemp -d's 0700): choose another HA_DIR"
  umask 077
  cat >"$HA_DIR/secrets" <<EOF
SUPERUSER_PASSWORD=$(openssl rand -hex 16)
REPLICATION_PASSWORD=$(openssl rand -hex 16)
REWIND_PASSWORD=$(openssl rand -hex 16)
APP_PASSWORD=$(openssl rand -hex 16)
EOF
  umask 022
  write_configs
  log "etcd: 3 members"
  start_etcd
  log "Patroni: pg1 bootstraps the cluster"
  start_node 1
  wait_for 120 "pg1 to lead" has_leader
  log "Patroni: pg2 and pg3 clone from the leader"
  start_node 2
  start_node 3
  start_haproxy
  wait_cluster 2
  secrets
  psql_super -h "$BIND_HOST" -p "$WRITE_PORT" -q <<EOF
create role tanfang login password '$APP_PASSWORD';
create database tanfang owner tanfang;
EOF
  log "pgBackRest: stanza, check, first full backup"
  pgbr stanza-create >/dev/null
  pgbr check >/dev/null
  pgbr --type=full backup >/dev/null
  log "up: $(cluster_json | jq -r '[.members[] | "\(.name)=\(.role)"] | join(" ")')"
  print_env
}

cmd_down() {
  local i
  [ -d "$HA_DIR" ] || return 0
  stop_pid haproxy TERM 5
  for i in "${NODES[@]}"; do stop_pid "patroni$i" TERM 30 & done
  wait
  # A postgres left running by a killed Patroni.
  for i in "${NODES[@]}"; do
    if [ -f "$HA_DIR/pg$i/data/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$HA_DIR/pg$i/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  for i in "${NODES[@]}"; do stop_pid "etcd$i" TERM 10; done
  if [ "${KEEP:-0}" = 1 ]; then log "stopped; files kept in $HA_DIR"; else rm -rf "$HA_DIR"; log "stopped and removed $HA_DIR"; fi
}

cmd_status() {
  as_pg patronictl -c "$HA_DIR/pg1.yml" list || true
  echo
  echo "HAProxy (server status):"
  echo 'show stat' | socat - "UNIX-CONNECT:$HA_DIR/haproxy.sock" 2>/dev/null |
    awk -F, 'NR>1 && $2!="FRONTEND" && $2!="BACKEND" {printf "  %-14s %-6s %s\n", $1, $2, $18}' ||
    curl -s "http://$BIND_HOST:$STATS_PORT/;csv" | awk -F, 'NR>1 && $2!="FRONTEND" && $2!="BACKEND" {printf "  %-14s %-6s %s\n", $1, $2, $18}'
}

node_arg() { # default: the leader
  local n="${1:-}"
  [ -n "$n" ] || n="$(leader)"
  [ -n "$n" ] || die "no leader"
  echo "${n#pg}"
}

cmd_kill_postgres() {
  local n pid
  n="$(node_arg "${1:-}")"
  pid="$(head -1 "$HA_DIR/pg$n/data/postmaster.pid")"
  kill -KILL "$pid"
  log "SIGKILL postgres of pg$n (pid $pid)"
  echo "pg$n"
}

cmd_kill_patroni() {
  local n
  n="$(node_arg "${1:-}")"
  kill -KILL "$(cat "$(pidfile "patroni$n")")"
  rm -f "$(pidfile "patroni$n")"
  log "SIGKILL Patroni of pg$n (its postgres keeps running until 'start-node $n')"
  echo "pg$n"
}

cmd_switchover() {
  local l cand="${1:-}" args
  l="$(leader)"
  [ -n "$cand" ] || cand="$(cluster_json | jq -r '.members[] | select(.role=="sync_standby") | .name' | head -1)"
  args=(--leader "pg$l" --candidate "pg${cand#pg}" --force)
  # patronictl 3.0 says --master; newer ones --leader.
  as_pg patronictl -c "$HA_DIR/pg1.yml" switchover "${args[@]}" 2>/dev/null ||
    as_pg patronictl -c "$HA_DIR/pg1.yml" switchover --master "pg$l" --candidate "pg${cand#pg}" --force
}

cmd_pitr() {
  local target="$1" i
  [ -n "$target" ] || die "usage: pitr 'YYYY-MM-DD HH:MM:SS+00'"
  log "PITR to $target: stop HAProxy's clients, every Patroni and postgres"
  for i in "${NODES[@]}"; do stop_pid "patroni$i" TERM 60 & done
  wait
  for i in "${NODES[@]}"; do
    [ -f "$HA_DIR/pg$i/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$HA_DIR/pg$i/data" -m fast stop >/dev/null 2>&1 || true
  done
  # The cluster's state in etcd (leader, initialize key, config) goes: the restored node bootstraps anew.
  ETCDCTL_API=3 etcdctl --endpoints="$(etcd_hosts)" del --prefix /service/tanfang/ >/dev/null
  for i in "${NODES[@]}"; do rm -rf "$HA_DIR/pg$i/data"; done
  local block
  block=$'\n'"  method: pitr"$'\n'"  pitr:"$'\n'"    command: $HERE/pitr-bootstrap.sh --config=$HA_DIR/pgbackrest.conf --target='$target'"$'\n'"    keep_existing_recovery_conf: true"
  write_patroni_config 1 "$block"
  start_node 1
  wait_for 900 "pg1 restored and leading" has_leader
  write_patroni_config 1
  start_node 2
  start_node 3
  wait_cluster 2
  log "PITR done: $(cluster_json | jq -r '[.members[] | "\(.name)=\(.role)"] | join(" ")')"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) print_env ;;
  status) cmd_status ;;
  leader) echo "pg$(leader)" ;;
  wait) wait_cluster "${2:-2}" ;;
  kill-postgres) cmd_kill_postgres "${2:-}" ;;
  kill-patroni) cmd_kill_patroni "${2:-}" ;;
  start-node) start_node "${2#pg}" ;;
  stop-node) stop_pid "patroni${2#pg}" TERM 60 ;;
  switchover) cmd_switchover "${2:-}" ;;
  backup) pgbr --type="${2:-incr}" backup && pgbr info ;;
  info) pgbr info ;;
  pitr) cmd_pitr "${2:-}" ;;
  *) sed -n '2,25p' "$0"; exit 2 ;;
esac
