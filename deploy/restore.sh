#!/bin/sh
# Restore a backup made by deploy/backup.sh.
#
#   deploy/restore.sh postgresql FILE DATABASE   pg_restore FILE into DATABASE, a new empty database
#                                                (createdb -O agreements DATABASE first); ROLE=agreements makes
#                                                that role own what is restored
#   deploy/restore.sh sqlite     FILE DBFILE     copy FILE to DBFILE with SQLite's backup API; DBFILE must not
#                                                exist (stop 'agreements serve' and move the old file aside first)
#
# Then run 'agreements init' against the restored database (a no-op for a dump of the same version, a migration
# forward for an older one) and compare 'agreements report --format json'. See docs/deployment.md §5.
set -eu

usage() { echo "usage: $0 postgresql FILE DATABASE | sqlite FILE DBFILE" >&2; exit 2; }
[ "$#" -eq 3 ] || usage
kind=$1 backup=$2 target=$3
[ -f "$backup" ] || { echo "$0: no backup at $backup" >&2; exit 1; }
case "$kind" in
  postgresql)
    pg_restore --exit-on-error --no-owner ${ROLE:+--role="$ROLE"} --jobs="${JOBS:-4}" --dbname="$target" "$backup"
    ;;
  sqlite)
    [ ! -e "$target" ] || { echo "$0: $target exists; stop the application and move it aside first" >&2; exit 1; }
    "${PYTHON:-python3}" - "$backup" "$target" <<'PY'
import sqlite3, sys
source = sqlite3.connect(sys.argv[1])
verdict = source.execute("PRAGMA integrity_check").fetchone()[0]
if verdict != "ok":
    sys.exit(f"the backup is damaged: {verdict}")
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
source.close()
target.close()
PY
    ;;
  *) usage ;;
esac
echo "restored into $target"
