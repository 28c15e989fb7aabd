#!/usr/bin/env bash
# git diff driver for events.db: show the database as the YAML that `timeline export` writes.
# Enabled by .gitattributes (events.db diff=timeline) and, once per clone:
#   git config diff.timeline.textconv scripts/db-textconv.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp "$1" "$copy/events.db"   # never touch the file git hands us
"$here/.venv/bin/timeline" --db "$copy/events.db" export --format yaml
