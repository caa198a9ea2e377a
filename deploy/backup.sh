#!/bin/sh
# Back up the agreements database while the application runs.
#
#   deploy/backup.sh postgresql DATABASE FILE   pg_dump -Fc of DATABASE (a name, or a libpq URI without a password;
#                                               the password comes from ~/.pgpass or PGPASSWORD, never the command line)
#   deploy/backup.sh sqlite     DBFILE   FILE   SQLite's online backup of DBFILE (never cp a database in use)
#
# FILE is written under a temporary name and renamed when complete, so a FILE that exists is a whole backup.
# The SQLite copy is checked with PRAGMA integrity_check. See docs/deployment.md §5; restore with deploy/restore.sh.
set -eu

usage() { echo "usage: $0 postgresql DATABASE FILE | sqlite DBFILE FILE" >&2; exit 2; }
[ "$#" -eq 3 ] || usage
kind=$1 source=$2 target=$3
partial="$target.partial"
rm -f "$partial"
case "$kind" in
  postgresql)
    pg_dump --format=custom --compress=6 --dbname="$source" --file="$partial"
    ;;
  sqlite)
    [ -f "$source" ] || { echo "$0: no SQLite database at $source" >&2; exit 1; }
    "${PYTHON:-python3}" - "$source" "$partial" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # SQLite's online backup API: a consistent copy while writers carry on
source.close()
verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
sys.exit(0 if verdict == "ok" else f"the copy is damaged: {verdict}")
PY
    ;;
  *) usage ;;
esac
mv "$partial" "$target"
echo "backed up to $target"
