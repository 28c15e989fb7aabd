"""The command line: parse options, call the modules, print. No SQL, no templates.

Every command runs inside `@handle_errors`: a TimelineError (the user's mistake) becomes
one line `Error: …` on standard error and exit code 1; wrong usage is Typer's exit 2.
"""

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from timeline import __version__
from timeline.config import Settings, missing_database, refuse_writing_over_database
from timeline.errors import TimelineError, ValidationError
from timeline.terminal import json_text, terminal_text

# Modules that only some commands need are imported inside those commands; db and store
# too (they bring SQLAlchemy, half a second), so --help and usage errors answer at once.

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Keep a sourced chronology, render it as a static site, publish it.")


def echo(text: str, err: bool = False) -> None:
    """typer.echo for anything that may hold the user's data."""
    typer.echo(terminal_text(text), err=err)


def handle_errors(fn):
    """Turn a TimelineError or a failed read or write (OSError) into `Error: …` on stderr
    and exit 1, and Ctrl-C into `Interrupted.` and exit 130 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TimelineError as e:
            message = " ".join(str(e).split()) or type(e).__name__
            echo(f"Error: {message}", err=True)
            raise typer.Exit(1) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as e:  # the disk or a stream failed (a full disk): a line, not a traceback
            where = f"{e.filename}: " if e.filename else "could not write the output: "
            echo(f"Error: {where}{e.strerror or e}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # Ctrl-C: a line, not a traceback (130, as shells do)
            echo("Interrupted.", err=True)
            raise typer.Exit(130) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"timeline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db_: Annotated[Optional[str], typer.Option(
        "--db", help="Database: a file path (SQLite) or a SQLAlchemy URL. "
        "Default: $TIMELINE_DB, else ./events.db.", show_default=False)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    ctx.obj = Settings.resolve(db_)


def engine_for(ctx: typer.Context, *, create: bool = False):
    """The engine of the database this command works on (opened and migrated).

    Only the commands that add events pass create=True: the others refuse a SQLite file
    that does not exist rather than read an empty one made on the spot.
    """
    from timeline import db
    settings: Settings = ctx.obj
    if "engine" not in ctx.meta:
        ctx.meta["engine"] = db.connect(settings.db_url, create=create)
    return ctx.meta["engine"]


def print_json(value) -> None:
    typer.echo(json_text(value, indent=2))


# Options shared by add and edit.
DateOpt = Annotated[Optional[str], typer.Option("--date", help="When, as written: "
                    "'2025-04-15', 'late Sep 2025', '2025年9月底', 'Q3 2025'.")]
TitleOpt = Annotated[Optional[str], typer.Option("--title", help="A short title.")]
CategoryOpt = Annotated[Optional[str], typer.Option(
    "--category", help="model-release, product, personnel, regulatory, earnings, business, "
    "organization, market, campaign or other.")]
TagOpt = Annotated[Optional[list[str]], typer.Option(
    "--tag", help="KIND:NAME (person, organization, product, topic, place); repeatable.")]
BodyOpt = Annotated[Optional[str], typer.Option("--body", help="Markdown text.")]
BodyFileOpt = Annotated[Optional[Path], typer.Option(
    "--body-file", help="Read the Markdown body from this file ('-' for stdin).")]
SourceOpt = Annotated[Optional[list[str]], typer.Option(
    "--source", help="A URL or a title of a source (an existing one is reused); repeatable.")]
BaseOpt = Annotated[Optional[str], typer.Option(
    "--base", help="YYYY-MM-DD that relative dates ('last August', '去年8月') are read "
    "against, e.g. the article's publication date. Default: today.")]
SlugOpt = Annotated[Optional[str], typer.Option("--slug", help="Permalink (default: date + title).")]
LangOpt = Annotated[Optional[str], typer.Option("--lang", help="Language of title and body.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Accept a duplicate title and date.")]


@app.command()
@handle_errors
def init(ctx: typer.Context) -> None:
    """Create an empty database, or upgrade an existing one to the current schema."""
    from timeline import db
    settings: Settings = ctx.obj
    engine, was = db.connect_reporting(settings.db_url, create=True)
    where = db.describe_url(settings.db_url)
    from timeline.migrations import SCHEMA_VERSION
    if was == 0:
        echo(f"Created {where} (schema {SCHEMA_VERSION})")
    elif was < SCHEMA_VERSION:
        echo(f"Upgraded {where} from schema {was} to {SCHEMA_VERSION}")
    else:
        echo(f"{where} is up to date (schema {SCHEMA_VERSION})")


@app.command()
@handle_errors
def add(ctx: typer.Context, date: DateOpt = None, title: TitleOpt = None,
        category: CategoryOpt = None, tag: TagOpt = None, body: BodyOpt = None,
        body_file: BodyFileOpt = None, source: SourceOpt = None, base: BaseOpt = None,
        slug: SlugOpt = None, lang: LangOpt = None, force: ForceOpt = False) -> None:
    """Add an event; prints its slug."""
    from timeline import store
    for name, value in (("--date", date), ("--title", title), ("--category", category)):
        if not value or not value.strip():
            raise ValidationError(f"{name} is required (and cannot be empty)")
    record = {"title": title, "category": category, "date": {"text": date, "base": base},
              "body": _body(body, body_file), "tags": tag or [], "sources": source or [],
              "slug": slug, "lang": lang}
    data = store.event_from_options(record)
    echo(store.add_event(engine_for(ctx, create=True), data, force=force))


@app.command()
@handle_errors
def edit(ctx: typer.Context, slug: str, date: DateOpt = None, title: TitleOpt = None,
         category: CategoryOpt = None, tag: TagOpt = None, body: BodyOpt = None,
         body_file: BodyFileOpt = None, source: SourceOpt = None, base: BaseOpt = None,
         new_slug: SlugOpt = None, lang: LangOpt = None, force: ForceOpt = False) -> None:
    """Change an event: each option given replaces that field (--tag and --source the list)."""
    from timeline import store
    changes = {"title": title, "category": category, "body": _body(body, body_file),
               "tags": tag, "sources": source, "slug": new_slug, "lang": lang}
    if date is not None or base is not None:
        changes["date"] = {"text": date, "base": base}
    if all(value is None for value in changes.values()):
        raise ValidationError("nothing to change; give the fields to replace, e.g. "
                              f"timeline edit {slug} --title '…'")
    result = store.edit_from_options(engine_for(ctx), slug, changes, force=force)
    echo(result)


@app.command("rm")
@handle_errors
def rm(ctx: typer.Context, slug: str,
       yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False) -> None:
    """Remove an event (asks first unless --yes)."""
    from timeline import store
    engine = engine_for(ctx)
    event = store.get_event(engine, slug)
    if not yes and not typer.confirm(terminal_text(f"Remove '{slug}' ({event['title']})?",
                                                   one_line=True), err=True):
        echo("Nothing removed.", err=True)
        raise typer.Exit(1)
    store.remove_event(engine, slug)
    echo(f"Removed {slug}")


@app.command("list")
@handle_errors
def list_(ctx: typer.Context,
          category: Annotated[Optional[str], typer.Option(help="Only this category.")] = None,
          tag: Annotated[Optional[str], typer.Option(help="Only events with this tag "
                                                     "(NAME or KIND:NAME).")] = None,
          from_: Annotated[Optional[str], typer.Option("--from", help="Events ending on or "
                                                       "after this date.")] = None,
          to: Annotated[Optional[str], typer.Option(help="Events starting on or before this "
                                                    "date.")] = None,
          search: Annotated[Optional[str], typer.Option(help="Text in title or body "
                                                        "(any language).")] = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List events, sorted by date."""
    from timeline import store
    flt = store.event_filter(category=category, tag=tag, start=from_, end=to, search=search)
    events = store.list_events(engine_for(ctx), flt)
    if as_json:
        print_json(events)
        return
    for e in events:
        echo(f"{e['date']['start']}  {e['date']['display']['en']:<18} "
             f"{e['category']:<13} {e['slug']}  {terminal_text(e['title'], one_line=True)}")
    echo(f"{len(events)} event{'s' if len(events) != 1 else ''}", err=True)


@app.command()
@handle_errors
def show(ctx: typer.Context, slug: str,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show one event."""
    from timeline import store
    e = store.get_event(engine_for(ctx), slug)
    if as_json:
        print_json(e)
        return
    d = e["date"]
    lines = [terminal_text(e["title"], one_line=True), f"  slug:     {e['slug']}",
             f"  category: {e['category']}",
             f"  date:     {d['display']['en']}  ({d['start']} to {d['end']}, {d['precision']}, "
             f"EDTF {d['edtf']}; written '{d['text']}'"
             + (f", read against {d['base']})" if d["base"] else ")"),
             "  tags:     " + ", ".join(f"{t['kind']}:{t['name']}" for t in e["tags"])]
    for i, s in enumerate(e["sources"], 1):
        parts = [s["publisher"], s["title"], s["published"],
                 s["url"] if s["url"] != s["title"] else None, s["locator"]]
        lines.append(f"  [{i}] " + " · ".join(p for p in parts if p))
    if e["body"]:
        lines += ["", e["body"]]
    for lang, t in e["translations"].items():
        lines += ["", f"[{lang}] {terminal_text(t['title'], one_line=True)}"]
        lines += [t["body"]] if t["body"] else []
    echo("\n".join(lines))


@app.command("export")
@handle_errors
def export_cmd(ctx: typer.Context,
               fmt: Annotated[str, typer.Option("--format", "-f",
                              help="json, jsonl, yaml or csv.")] = "json",
               output: Annotated[Optional[Path], typer.Option("--output", "-o",
                                 help="Write to this file (default: standard output).")] = None
               ) -> None:
    """Export the whole chronology (events, sources, observations)."""
    from timeline import chronology, export
    export.check_format(fmt)
    if output is not None:
        refuse_writing_over_database(output, ctx.obj.db_url)
    text = export.dumps(chronology.read(ctx.obj.db_url), fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        export.write_file(output, text)
        echo(f"Wrote {output}", err=True)


@app.command("import")
@handle_errors
def import_cmd(ctx: typer.Context,
               files: Annotated[list[Path], typer.Argument(help="JSON, JSONL, YAML, CSV or "
                                                           "Markdown files.")],
               dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, "
                                                     "change nothing.")] = False) -> None:
    """Import events (keyed by slug: again updates, never duplicates); all or nothing."""
    from timeline import store
    from timeline.importers import read_files
    batch = read_files(files)
    if dry_run and missing_database(ctx.obj.db_url):
        from timeline import db  # checked against an empty database in memory: no file made
        engine = db.connect("sqlite://", create=True)
    else:
        engine = engine_for(ctx, create=True)
    report = store.import_batch(engine, batch, dry_run=dry_run)
    echo(report.summary())


@app.command()
@handle_errors
def extract(ctx: typer.Context,
            files: Annotated[list[Path], typer.Argument(help="Articles: plain text, Markdown "
                                                        "or HTML, Chinese or English.")],
            published: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD the article "
                                 "appeared: relative dates are read against it.")] = None,
            publisher: Annotated[Optional[str], typer.Option(help="Who published it.")] = None,
            source_title: Annotated[Optional[str], typer.Option(
                "--source-title", help="The article's title (default: its headline).")] = None,
            url: Annotated[Optional[str], typer.Option(help="The article's address.")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
            output: Annotated[Optional[Path], typer.Option(
                "--output", "-o", help="Write a draft YAML to review and import.")] = None
            ) -> None:
    """Propose candidate events from articles, for a person to review."""
    from timeline import extract as ex
    if as_json and output is not None:
        raise ValidationError("give --json or -o, not both")
    if output is not None:
        refuse_writing_over_database(output, ctx.obj.db_url)
    result = ex.run(files, ctx.obj.db_url, published=published, publisher=publisher,
                    title=source_title, url=url)
    if output is not None:
        ex.write_draft(output, result)
        echo(f"Wrote {len(result.candidates)} candidates to {output}", err=True)
    elif as_json:
        print_json(ex.to_json(result))
    else:
        echo(ex.to_text(result))


@app.command()
@handle_errors
def review(ctx: typer.Context,
           draft: Annotated[Path, typer.Argument(help="A draft written by `timeline extract "
                                                 "-o`.")]) -> None:
    """Walk a draft's candidates (accept, edit title or category, skip, quit); import the
    accepted ones in one transaction."""
    from timeline import review as rv
    rv.run(draft, engine_for(ctx, create=True))


@app.command("parse-date")
@handle_errors
def parse_date_cmd(
        phrases: Annotated[list[str], typer.Argument(help="Date phrases; '-' reads one "
                                                     "per line from standard input.")],
        base: BaseOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False
) -> None:
    """Read date phrases and print what they mean; exit 1 if any could not be read."""
    from timeline import dates
    from timeline.records import check_iso_date
    base_date = check_iso_date(base, "--base") if base else None
    failed = False
    for phrase in _phrases(phrases):
        try:
            d = dates.parse_date(phrase, base_date)
        except TimelineError as e:
            failed = True
            out = {"text": phrase, "error": str(e)}
            if as_json:
                typer.echo(json_text(out))
            else:
                echo(f"{phrase}\terror: {e}")
            continue
        if as_json:
            row = d.to_dict()
            typer.echo(json_text({k: row[k] for k in ("text", "start", "end", "precision",
                                                      "edtf", "display")}))
        else:
            echo(f"{phrase}\t{d.start.isoformat()}\t{d.end.isoformat()}\t{d.precision}"
                 f"\t{d.edtf}\t{d.display('en')}\t{d.display('zh')}")
    if failed:
        raise typer.Exit(1)


def _phrases(args: list[str]):
    for arg in args:
        if arg == "-":
            for line in sys.stdin:
                if line.strip():
                    yield line.strip()
        else:
            yield arg


@app.command()
@handle_errors
def check(ctx: typer.Context,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Find events without sources, missing sources, duplicates and conflicting figures."""
    from timeline import store
    findings = store.run_checks(engine_for(ctx))
    problems = [f for f in findings if f.is_problem]
    if as_json:
        print_json([f.to_dict() for f in findings])
    else:
        for f in findings:
            label = "known disagreement" if not f.is_problem else f.kind
            echo(f"{label}: {f.message}")
        echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
             + (f", {len(findings) - len(problems)} known disagreement(s) between sources"
                if len(findings) > len(problems) else ""), err=True)
    if problems:
        raise typer.Exit(1)


@app.command("build")
@handle_errors
def build_cmd(ctx: typer.Context,
              output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")] = Path("site"),
              base_url: Annotated[str, typer.Option("--base-url", help="Where the site will be "
                                  "served, e.g. https://user.github.io/kling/.")] = "/",
              templates: Annotated[Optional[Path], typer.Option("--templates", help="Folder of "
                                   "templates that override the shipped ones.")] = None,
              lang: Annotated[Optional[list[str]], typer.Option("--lang", help="Build only these "
                              "languages (en, zh; repeatable); the first is at the root.")] = None
              ) -> None:
    """Render the chronology into a static site; only changed files are rewritten."""
    from timeline.build import ProgressBar, build_from_database
    bar = ProgressBar()
    try:
        report = build_from_database(ctx.obj.db_url, output, base_url=base_url, templates_dir=templates,
                                     langs=tuple(lang) if lang else None, progress=bar,
                                     options=site_options(ctx))
    finally:
        bar.close()
    echo(report.summary())


@app.command("serve")
@handle_errors
def serve_cmd(ctx: typer.Context,
              port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1.")] = 8000,
              output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")] = Path("site"),
              base_url: Annotated[str, typer.Option("--base-url", help="Build for this URL; "
                                  "served under its path.")] = "/") -> None:
    """Build the site, serve it on 127.0.0.1 and rebuild it when the database changes."""
    from urllib.parse import urlsplit
    from timeline import serve as serving
    from timeline.build import build_from_database
    url = ctx.obj.db_url

    def rebuild():
        return build_from_database(url, output, base_url=base_url, options=site_options(ctx))
    base_path = urlsplit(base_url).path or "/"
    server = serving.make_server(output, port, base_path)  # the port first: a taken one fails fast
    echo(rebuild().summary())
    serving.serve(output, port=port, base_path=base_path, rebuild=rebuild,
                  fingerprint=serving.database_fingerprint(url), log=echo, server=server)


@app.command("publish")
@handle_errors
def publish_cmd(
        ctx: typer.Context,
        path: Annotated[Optional[str], typer.Argument(metavar="PATH", help="--to dir: the folder a web server "
                                                      "serves (made a symlink to a version).")] = None,
        to: Annotated[Optional[str], typer.Option(help="dir, gh-pages or s3://BUCKET/PREFIX. "
                                                  "Default: the last target used.")] = None,
        remote: Annotated[Optional[str], typer.Option(help="gh-pages: a remote's name, a URL or "
                                                      "a path. Default: origin.")] = None,
        branch: Annotated[Optional[str], typer.Option(help="gh-pages: the branch. "
                                                      "Default: gh-pages.")] = None,
        cname: Annotated[Optional[str], typer.Option(help="gh-pages: a custom domain, written "
                                                     "to CNAME.")] = None,
        base_url: Annotated[Optional[str], typer.Option(help="The URL the site is served at, e.g. "
                            "https://user.github.io/repo/. Default: from the target.")] = None,
        endpoint_url: Annotated[Optional[str], typer.Option(help="s3: an S3-compatible endpoint, "
                                                            "e.g. http://127.0.0.1:9000.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be added, "
                                              "changed and deleted; change nothing.")] = False,
        rollback: Annotated[bool, typer.Option("--rollback", help="Serve the previous version "
                                               "again (dir, gh-pages).")] = False) -> None:
    """Build the site for the target, check it, deploy it; `publish` alone repeats the last one."""
    from timeline import chronology, publish as pub
    settings: Settings = ctx.obj
    target = pub.settings_for(settings.db_url, to=to, path=path, remote=remote, branch=branch,
                              cname=cname, base_url=base_url, endpoint_url=endpoint_url)
    if rollback:
        result = pub.rollback(target, dry_run=dry_run)
    else:
        chrono = chronology.read(settings.db_url)
        result = pub.publish(chrono, target, dry_run=dry_run, templates_dir=settings.templates_dir,
                             options=site_options(ctx))
    for line in result.plan.lines() if dry_run else []:
        echo(line)
    echo(result.summary())
    if not dry_run:
        pub.remember(settings.db_url, result.settings)


def site_options(ctx: typer.Context):
    """The site's title and description: timeline.toml's [site] over the defaults."""
    from timeline.build import SiteOptions
    from timeline.config import site_settings
    defaults = SiteOptions()
    given = site_settings(ctx.obj.db_url)
    return SiteOptions(title={**defaults.title, **given.get("title", {})},
                       description={**defaults.description, **given.get("description", {})})


def _body(body: str | None, body_file: Path | None) -> str | None:
    if body is not None and body_file is not None:
        raise ValidationError("give --body or --body-file, not both")
    if body_file is None:
        return body
    if str(body_file) == "-":
        return sys.stdin.read()
    try:
        return body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ValidationError(f"--body-file {body_file}: cannot read it ({e})") from None


def main() -> None:
    """The `timeline` program. When the command has finished, the process ends without
    Python's teardown, which frees every object one by one: after a build that is the
    whole loaded chronology (0.4 s at 10,000 events, seconds at 100,000) for memory the
    system takes back at once. What teardown did that matters is done first: the
    databases are closed (SQLite writes its log back into the file) and the standard
    streams flushed; a stream that cannot take the rest of the output is an error, unless
    its reader has gone (`timeline export | head`). Every file a command writes is closed
    by then. An uncaught exception (a bug) ends the ordinary way, with its traceback."""
    try:
        app(prog_name="timeline")
        code = 0
    except SystemExit as e:
        if e.code is not None and not isinstance(e.code, int):
            raise  # a message to print: Python's own exit does that
        code = e.code or 0
    if (db := sys.modules.get("timeline.db")) is not None:  # imported only if a command used it
        db.close_all()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the program was started with it closed
                stream.flush()
        except (BrokenPipeError, ValueError):  # its reader has gone, or it is closed
            pass
        except OSError as e:  # a full disk, say: the output is incomplete
            if code == 0 and stream is sys.stdout and sys.stderr is not None:
                print(f"Error: could not write the output: {e.strerror or e}", file=sys.stderr)
            code = code or 1
    os._exit(code)
