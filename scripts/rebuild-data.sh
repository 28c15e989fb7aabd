#!/usr/bin/env bash
# Rebuild events.db from the chronology's text (data/kling/*.yaml), all or nothing:
# the new database is written beside the old one and copied into it only if the import
# and the check both pass. The copy goes through SQLite (its backup API), not mv: a
# program with events.db open (timeline serve) may have left its -wal file beside it,
# and SQLite would replay that log onto a file moved in under it.
set -euo pipefail
cd "$(dirname "$0")/.."
timeline=${TIMELINE:-.venv/bin/timeline}
new=$(mktemp events.db.new.XXXXXX)
rm -f "$new"
trap 'rm -f "$new" "$new-wal" "$new-shm"' EXIT
"$timeline" --db "$new" import data/kling/sources.yaml $(ls data/kling/*.yaml | grep -v '/sources.yaml$' | sort)
"$timeline" --db "$new" check
python3 - "$new" events.db <<'PY'
import sqlite3, sys
new = sqlite3.connect(sys.argv[1])
new.execute("PRAGMA wal_checkpoint(TRUNCATE)")
new.execute("VACUUM")
live = sqlite3.connect(sys.argv[2], timeout=60)
new.backup(live)  # under the live file's lock, through its log if it has one
live.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # so that the file alone holds it all
print("Rebuilt events.db")
PY
