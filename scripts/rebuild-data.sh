#!/usr/bin/env bash
# Rebuild events.db from the chronology's text (data/kling/*.yaml), all or nothing:
# the new database is written beside the old one and moved into place only if the
# import and the check both pass.
set -euo pipefail
cd "$(dirname "$0")/.."
timeline=${TIMELINE:-.venv/bin/timeline}
new=$(mktemp events.db.new.XXXXXX)
rm -f "$new"
trap 'rm -f "$new" "$new-wal" "$new-shm"' EXIT
"$timeline" --db "$new" import data/kling/sources.yaml $(ls data/kling/*.yaml | grep -v '/sources.yaml$' | sort)
"$timeline" --db "$new" check
python3 - "$new" <<'PY'
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
conn.execute("VACUUM")
conn.close()
PY
mv "$new" events.db
echo "Rebuilt events.db"
