#!/usr/bin/env bash
# Patroni custom bootstrap method for restore-to-a-time (cluster.sh pitr; docs/运维手册.md):
# pgBackRest restores the newest backup taken before the target into the new data folder and writes
# the recovery settings (target time, restore_command, recovery.signal); Patroni keeps them
# (keep_existing_recovery_conf), starts postgres, which replays archived WAL up to the target and
# promotes. Patroni passes --scope and --datadir.
set -euo pipefail
datadir="" config="" target=""
for a in "$@"; do
  case "$a" in
    --datadir=*) datadir="${a#*=}" ;;
    --config=*) config="${a#*=}" ;;
    --target=*) target="${a#*=}" ;;
    --scope=*) ;;
  esac
done
[ -n "$datadir" ] && [ -n "$config" ] && [ -n "$target" ] || { echo "usage: $0 --config=F --target=T --datadir=D" >&2; exit 2; }
mkdir -p "$datadir" && chmod 700 "$datadir"
exec pgbackrest --config="$config" --stanza=tanfang --pg1-path="$datadir" \
  --type=time --target="$target" --target-action=promote --target-exclusive restore
