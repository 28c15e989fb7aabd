"""timeline.toml's [site] table: the site's title and description."""

from timeline.cli import app


def _build(runner, tmp_path):
    db = str(tmp_path / "events.db")
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    return runner.invoke(app, ["--db", db, "build", "-o", str(tmp_path / "site")])


def test_site_title_and_description_come_from_timeline_toml(runner, tmp_path):
    (tmp_path / "timeline.toml").write_text(
        '[site]\ntitle = "Moon <landing> log"\ntitle_zh = "登月日志"\n'
        'description = "Every step, sourced."\n', encoding="utf-8")
    result = _build(runner, tmp_path)
    assert result.exit_code == 0, result.output
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Moon &lt;landing&gt; log" in index
    assert "Every step, sourced." in (tmp_path / "site" / "about" / "index.html").read_text("utf-8")
    assert "<title>登月日志" in (tmp_path / "site" / "zh" / "index.html").read_text("utf-8")


def test_without_timeline_toml_the_defaults_apply(runner, tmp_path):
    assert _build(runner, tmp_path).exit_code == 0
    assert "<title>Chronology" in (tmp_path / "site" / "index.html").read_text("utf-8")


def test_bad_timeline_toml_is_one_line_error(runner, tmp_path):
    settings = tmp_path / "timeline.toml"
    settings.write_text("[site]\ntitle = \n", encoding="utf-8")
    result = _build(runner, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {settings}: invalid TOML")
    settings.write_text('[site]\nheadline = "x"\n', encoding="utf-8")
    result = _build(runner, tmp_path)
    assert result.exit_code == 1
    assert "unknown key 'headline' in [site]" in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()
