"""Free text survives the store: property tests over titles, bodies, tags and sources."""

import json

from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from timeline.cli import app

# Any text a user might type, except lone surrogates (not encodable) and NUL (refused).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=40).filter(lambda s: s.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, body=st.text(st.characters(blacklist_categories=("Cs",),
                                              blacklist_characters="\x00"), max_size=200),
       tag=TEXT, source=TEXT, zh=TEXT)
def test_any_text_round_trips_through_export_and_import(tmp_path_factory, title, body, tag,
                                                        source, zh):
    runner = CliRunner()
    folder = tmp_path_factory.mktemp("rt")
    data = {"events": [{"slug": "e", "title": title, "category": "other", "date": "2025-01-02",
                        "body": body, "tags": [{"kind": "topic", "name": tag}],
                        "sources": [{"title": source, "publisher": zh}],
                        "translations": {"zh": {"title": zh, "body": body}}}]}
    src = folder / "in.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    first = runner.invoke(app, ["--db", str(folder / "a.db"), "import", str(src)])
    if first.exit_code != 0:  # a refusal must be a clean one-line error, never a crash
        assert first.exit_code == 1 and first.stderr.startswith("Error: "), first.output
        return
    exported = runner.invoke(app, ["--db", str(folder / "a.db"), "export"]).stdout
    event = json.loads(exported)["events"][0]
    assert event["title"] == title.strip()
    assert event["tags"][0]["name"] == " ".join(tag.split())
    out = folder / "out.json"
    out.write_text(exported, encoding="utf-8")
    again = runner.invoke(app, ["--db", str(folder / "b.db"), "import", str(out)])
    assert again.exit_code == 0, again.output
    assert runner.invoke(app, ["--db", str(folder / "b.db"), "export"]).stdout == exported
