"""Loading the chronology (db.load_chronology, db.list_events) and what the CLI imports."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import build_data  # noqa: E402

from timeline import config, db, export  # noqa: E402


def _chronology():
    """build_data's chronology, with an event in three languages (translations sorted)."""
    chrono = build_data.make_chronology()
    chrono.events[0]["translations"] = {"ja": {"title": "クリング", "body": ""},
                                        "zh": {"title": "可灵发布", "body": "快手开放**可灵**内测。"}}
    chrono.events[0]["tags"].insert(0, {"kind": "topic", "name": "Video"})
    chrono.series = [{"key": "kling-revenue", "title": "Kling revenue", "title_zh": "可灵收入",
                      "unit": "CNY", "description": ""}]
    return chrono


def test_load_chronology_gives_back_what_was_imported(cli, tmp_path):
    chrono = _chronology()
    path = tmp_path / "chronology.json"
    path.write_text(export.dumps(copy.deepcopy(chrono), "json"), encoding="utf-8")
    assert cli("import", path).exit_code == 0
    engine = db.connect(config.database_url(cli.db))
    with db.session(engine, readonly=True) as s:
        loaded = db.load_chronology(s)
        everything = db.list_events(s, db.EventFilter(start="0001-01-01"))  # an IN (subquery)
        one = db.list_events(s, slugs=[chrono.events[0]["slug"]])
    engine.dispose()
    assert loaded.events == chrono.events
    assert loaded.sources == sorted(chrono.sources, key=lambda s: s["key"])
    assert loaded.observations == chrono.observations
    assert loaded.series == chrono.series
    assert everything == loaded.events
    assert one == [chrono.events[0]]
    # events on the same date share one dict, as citations of one source and locator do
    for part in lambda e: [e["date"]], lambda e: e["sources"]:
        dicts = [d for e in loaded.events for d in part(e)]
        assert len({id(d) for d in dicts}) == len({json.dumps(d, sort_keys=True) for d in dicts})


def test_help_and_build_import_only_what_they_need():
    """--help needs neither SQLAlchemy nor YAML; build needs no YAML (export, import)."""
    code = ("import sys, timeline.cli; a = set(sys.modules); "
            "import timeline.store; b = set(sys.modules); "
            "print(*(m for m in ('sqlalchemy', 'yaml', 'timeline.db') if m in a)); "
            "print(*(m for m in ('yaml', 'timeline.importers', 'timeline.export') if m in b))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "", f"timeline.cli imports {out[0]}"
    assert out[1] == "", f"the build path imports {out[1]}"
