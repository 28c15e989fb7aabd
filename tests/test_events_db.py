"""The committed events.db is exactly what data/kling/*.yaml imports to (no drift)."""

import shutil
from pathlib import Path

from timeline.cli import app

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "kling"


def data_files() -> list[str]:
    rest = sorted(p for p in DATA.glob("*.yaml") if p.name != "sources.yaml")
    return [str(DATA / "sources.yaml")] + [str(p) for p in rest]


def test_committed_events_db_equals_a_fresh_import(runner, tmp_path):
    committed = tmp_path / "committed.db"
    shutil.copy(REPO / "events.db", committed)  # never open the tracked file itself
    fresh = tmp_path / "fresh.db"
    imported = runner.invoke(app, ["--db", str(fresh), "import", *data_files()])
    assert imported.exit_code == 0, imported.output
    for fmt in ("json", "csv"):
        want = runner.invoke(app, ["--db", str(fresh), "export", "--format", fmt]).stdout
        have = runner.invoke(app, ["--db", str(committed), "export", "--format", fmt]).stdout
        assert have == want, "events.db is stale: run `make data` and commit it"


def test_shipped_chronology_passes_check(runner, tmp_path):
    committed = tmp_path / "committed.db"
    shutil.copy(REPO / "events.db", committed)
    result = runner.invoke(app, ["--db", str(committed), "check"])
    assert result.exit_code == 0, result.output
