"""Benchmark Hugo building the same synthetic chronology as bench/build.py, for comparison.

    python bench/hugo.py 1000 10000 [100000] [--lang en] [--out /dev/shm] [--runs 3]

For each N it generates the N events of bench/build.py's generate(N) (same seed, so the same
titles, bodies, tags, dates, sources and translations) and writes them as a Hugo project in
bench/out/hugo-N/ (git-ignored, rewritten on every run): one Markdown file per event and
language (content/events/<slug>.md for English, <slug>.zh.md for Chinese; the translation when
there is one, else the original text, as `timeline build` does), sources in data/sources.json,
and a small theme in layouts/ of about the weight of templates/: event pages with date,
category, year, body, tags and sources; paginated (200) month-grouped cards on year, category
and tag pages; a home page with the years and the latest 50 events; a sources page; Hugo's
built-in RSS (home only, 50 items) and sitemap. Taxonomies: categories, years, and one per tag
kind (people, organizations, products, topics), since our tags are filed by kind. With both
languages English is at the root and Chinese under /zh/; `--lang en` builds English alone.

Hugo has no incremental build outside `hugo server`, so each measurement is a separate
`hugo --quiet` process: a full build into an empty folder with Hugo's resources/ and cache
removed (cold), then, after one event's body is edited, a second run into the same folder
(Hugo re-renders and rewrites every file). Each is run 3 times (--runs); the table gives the
median (and the minimum). CPU time and peak RSS are the hugo process's own (os.wait4 rusage).
Sites go to --out (default bench/out/hugo-N-site). Needs `hugo` on PATH (Debian:
apt-get install hugo); it installs nothing itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))
import build as bench  # noqa: E402  (bench/build.py: generate(); its main only runs as a script)

RUNS = 3  # default repetitions of each measurement (--runs)
TAG_TAXONOMIES = {"person": "people", "organization": "organizations", "product": "products",
                  "topic": "topics"}  # tag kind -> Hugo taxonomy (plural = front matter key)

# --- the theme -------------------------------------------------------------------------------
# Kept close to templates/ (base.html + _head/_header/_footer, event.html, _event_card.html,
# year/category/tag.html with _groups and _pager): same elements, no extras. The header and
# footer are the same on every page of a language, so like ours they are rendered once per
# language (partialCached).

LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="{{ site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="{{ "static/style.css" | relURL }}">
<link rel="icon" href="{{ "static/icon.svg" | relURL }}" type="image/svg+xml">
<link rel="alternate" type="application/rss+xml" title="{{ i18n "feed" }}" href="{{ "index.xml" | relLangURL }}">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
<meta name="description" content="{{ block "description" . }}{{ site.Params.description }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ range .Translations }}<link rel="alternate" hreflang="{{ .Lang }}" href="{{ .Permalink }}">
{{ end -}}
</head>
<body>
{{ partialCached "header.html" . site.Language.Lang }}
{{ with .Translations }}<p class="lang-switch">{{ range . }}<a href="{{ .RelPermalink }}" hreflang="{{ .Lang }}" lang="{{ .Lang }}">{{ .Lang }}</a>{{ end }}</p>{{ end }}
</header>
<main id="main">
{{ block "main" . }}{{ end }}
</main>
{{ partialCached "footer.html" . site.Language.Lang }}
</body>
</html>
""",
    "partials/header.html": """<a class="skip" href="#main">{{ i18n "skip" }}</a>
<header class="site-header">
<a class="site-title" href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav class="site-nav" aria-label="{{ i18n "nav" }}">
<ul>
<li><a href="{{ site.Home.RelPermalink }}">{{ i18n "chronology" }}</a></li>
<li><a href="{{ "categories/" | relLangURL }}">{{ i18n "categories" }}</a></li>
<li><a href="{{ "years/" | relLangURL }}">{{ i18n "years" }}</a></li>
<li><a href="{{ "topics/" | relLangURL }}">{{ i18n "tags" }}</a></li>
<li><a href="{{ "sources/" | relLangURL }}">{{ i18n "sources" }}</a></li>
</ul>
</nav>
""",
    "partials/footer.html": """<footer class="site-footer">
<p><a href="{{ "index.xml" | relLangURL }}">{{ i18n "feed" }}</a> · <a href="{{ "sitemap.xml" | relLangURL }}">sitemap</a></p>
<p>{{ i18n "generated" }}</p>
</footer>
""",
    # One event: like templates/event.html (meta, title, body, tags with kind, sources, prev/next).
    # Hugo sorts a section newest first; its .PrevInSection is the older event, our "prev".
    "_default/single.html": """{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "description" }}{{ .Summary | plainify }}{{ end }}
{{ define "main" }}
<article class="event-page cat-{{ index .Params.categories 0 }}"{{ with .Params.textlang }} lang="{{ . }}"{{ end }}>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Params.display }}</time>{{ range .GetTerms "categories" }} <a class="cat" href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}{{ range .GetTerms "years" }} <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
<h1>{{ .Title }}</h1>
{{ with .Params.textlang }}<p class="note" lang="{{ $.Lang }}">{{ i18n "translation_missing" }}</p>{{ end }}
<div class="body">
{{ .Content }}
</div>
<section class="event-tags" lang="{{ .Lang }}">
<h2>{{ i18n "tagged" }}</h2>
<ul class="tags">
{{ range $tax := slice "people" "organizations" "products" "topics" }}{{ range $.GetTerms $tax }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> <span class="kind">{{ i18n $tax }}</span></li>
{{ end }}{{ end -}}
</ul>
</section>
<section class="event-sources" lang="{{ .Lang }}">
<h2>{{ i18n "sources" }}</h2>
<ol class="sources">
{{ range $i, $key := .Params.sources }}{{ with index site.Data.sources $key }}<li id="source-{{ add $i 1 }}">{{ if .url }}<a href="{{ .url }}" rel="noopener noreferrer">{{ .title }}</a>{{ else }}<cite>{{ .title }}</cite>{{ end }}{{ with .publisher }}, <span>{{ . }}</span>{{ end }}{{ with .published }}, <time datetime="{{ . }}">{{ . }}</time>{{ end }}</li>
{{ end }}{{ end -}}
</ol>
</section>
</article>
<nav class="prevnext" aria-label="{{ i18n "previous" }} / {{ i18n "next" }}">
<ul>
{{/* Hugo sorts the section newest first, so its "Prev" is the older event: our "prev" */}}
{{ with .PrevInSection }}<li class="prev"><a href="{{ .RelPermalink }}" rel="prev">← {{ .Title }}</a> <span class="when">{{ .Params.display }}</span></li>{{ end }}
{{ with .NextInSection }}<li class="next"><a href="{{ .RelPermalink }}" rel="next">{{ .Title }} →</a> <span class="when">{{ .Params.display }}</span></li>{{ end }}
</ul>
</nav>
{{ end }}
""",
    # A card in a list: like templates/_event_card.html.
    "partials/card.html": """<article class="event cat-{{ index .Params.categories 0 }}"{{ with .Params.textlang }} lang="{{ . }}"{{ end }}>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Params.display }}</time>{{ range .GetTerms "categories" }} <a class="cat" href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
<h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
<p class="summary">{{ .Summary | plainify }}</p>
<p class="cites">{{ i18n "sources" }}: {{ range $i, $key := .Params.sources }}{{ with index site.Data.sources $key }}{{ if $i }}, {{ end }}{{ if .url }}<a href="{{ .url }}" rel="noopener noreferrer">{{ .publisher }}</a>{{ else }}<span>{{ .publisher }}</span>{{ end }}{{ end }}{{ end }}</p>
</article>
""",
    # Year, category and tag pages (Hugo "term" pages): like year.html / tag.html with
    # _groups.html (cards grouped by month) and _pager.html, 200 events a page.
    "_default/list.html": """{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}
<p class="kicker">{{ i18n .Data.Plural }}</p>
<h1>{{ .Title }} <span class="count">({{ len .Pages }} {{ i18n "events" }})</span></h1>
{{ $pager := .Paginate (.Pages.GroupByDate "2006-01") }}
<div id="timeline" class="timeline">
{{ range $pager.PageGroups }}<section class="month">
<h2 class="month-heading">{{ .Key }}</h2>
{{ range .Pages }}{{ partial "card.html" . }}{{ end }}
</section>
{{ end -}}
</div>
{{ template "_internal/pagination.html" . }}
{{ end }}
""",
    # Lists of terms (/categories/, /years/, /people/ ...): like categories.html / tags.html.
    "_default/terms.html": """{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="terms">
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> <span class="count">({{ .Count }})</span></li>
{{ end -}}
</ul>
{{ end }}
""",
    # Home: the years with counts, then the latest 50 events (ours: overview + latest 50).
    "index.html": """{{ define "main" }}
<h1>{{ site.Title }}</h1>
<p class="lede">{{ site.Params.description }}</p>
<section class="overview">
<h2>{{ i18n "years" }}</h2>
<ul class="years">
{{ range site.Taxonomies.years.Alphabetical.Reverse }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> <span class="count">({{ .Count }})</span></li>
{{ end -}}
</ul>
</section>
<section class="latest year">
<h2 class="year-heading">{{ i18n "latest" }}</h2>
{{ range first 50 (where site.RegularPages "Section" "events").ByDate.Reverse }}{{ partial "card.html" . }}{{ end }}
</section>
{{ end }}
""",
    # The sources page (ours is paginated at 200; here one page, from data/sources.json).
    "_default/sources.html": """{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ol class="sources">
{{ range $key, $s := site.Data.sources }}<li id="{{ $key }}">{{ if $s.url }}<a href="{{ $s.url }}" rel="noopener noreferrer">{{ $s.title }}</a>{{ else }}<cite>{{ $s.title }}</cite>{{ end }}{{ with $s.publisher }}, <span>{{ . }}</span>{{ end }}{{ with $s.published }}, <time datetime="{{ . }}">{{ . }}</time>{{ end }}</li>
{{ end -}}
</ol>
{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>404</h1><p><a href="{{ site.Home.RelPermalink }}">{{ i18n "chronology" }}</a></p>{{ end }}
""",
}

I18N = {
    "en": {"skip": "Skip to content", "nav": "Site", "chronology": "Chronology",
           "categories": "Categories", "years": "Years", "tags": "Tags", "sources": "Sources",
           "feed": "Feed", "generated": "Generated by Hugo.", "tagged": "Tagged",
           "translation_missing": "Not yet translated.", "previous": "Previous", "next": "Next",
           "events": "events", "latest": "Latest", "people": "Person",
           "organizations": "Organization", "products": "Product", "topics": "Topic"},
    "zh": {"skip": "跳到正文", "nav": "网站", "chronology": "大事记", "categories": "分类",
           "years": "年份", "tags": "标签", "sources": "来源", "feed": "订阅",
           "generated": "由 Hugo 生成。", "tagged": "标签", "translation_missing": "尚未翻译。",
           "previous": "上一条", "next": "下一条", "events": "条事件", "latest": "最新",
           "people": "人物", "organizations": "机构", "products": "产品", "topics": "话题"},
}


def hugo_version() -> tuple[str, tuple[int, int]]:
    """The `hugo version` line and (major, minor), or exit 1 if hugo is not installed."""
    exe = shutil.which("hugo")
    if not exe:
        print("hugo is not on PATH; install it first (Debian/Ubuntu: apt-get install hugo).",
              file=sys.stderr)
        sys.exit(1)
    line = subprocess.run([exe, "version"], check=True, capture_output=True,
                          text=True).stdout.strip()
    # "hugo v0.111.3+extended linux/amd64 BuildDate=..." -> (0, 111)
    major, minor = line.split()[1].lstrip("v").split("+")[0].split("-")[0].split(".")[:2]
    return line, (int(major), int(minor))


def config(proj: Path, langs: list[str], version: tuple[int, int]) -> str:
    """hugo.toml. Pagination and the RSS limit changed their config keys in Hugo 0.128/0.114."""
    lines = [
        'baseURL = "https://example.com/"',
        'title = "Benchmark chronology"',
        f'defaultContentLanguage = "{langs[0]}"',
        "defaultContentLanguageInSubdir = false",
        "hasCJKLanguage = true          # word counts and summaries for the Chinese text",
        "summaryLength = 40             # about our 240-character summaries",
        "enableRobotsTXT = true",
        f'cacheDir = "{proj / "cache"}"  # inside the project, so it can be removed (cold build)',
    ]
    if version >= (0, 128):
        lines_pager = ["[pagination]", "pagerSize = 200"]
    else:
        lines.append("paginate = 200")
        lines_pager = []
    if version >= (0, 114):
        lines_rss = ["[services.rss]", "limit = 50"]
    else:
        lines.append("rssLimit = 50")
        lines_rss = []
    lines += lines_pager + lines_rss
    lines += ["[params]", 'description = "Synthetic events from bench/build.py generate()."']
    lines += ["[taxonomies]", 'category = "categories"', 'year = "years"']
    lines += [f'{kind} = "{plural}"' for kind, plural in TAG_TAXONOMIES.items()]
    # Feeds on the home page only, like our one feed per language; Hugo's default would add an
    # RSS file to every taxonomy and term page.
    lines += ["[outputs]", 'home = ["HTML", "RSS"]', 'page = ["HTML"]', 'taxonomy = ["HTML"]',
              'term = ["HTML"]']
    lines.append("[languages]")
    for weight, lang in enumerate(langs, 1):
        lines += [f"[languages.{lang}]", f"weight = {weight}"]
    return "\n".join(lines) + "\n"


def event_text(ev: dict, lang: str) -> tuple[str, str, str | None]:
    """(title, body, lang of the text if it is not `lang`), as our site picks them."""
    if ev["lang"] == lang:
        return ev["title"], ev["body"], None
    if lang in ev["translations"]:
        tr = ev["translations"][lang]
        return tr["title"], tr["body"], None
    return ev["title"], ev["body"], ev["lang"]


def write_event(proj: Path, ev: dict, lang: str, default_lang: str) -> Path:
    """content/events/<slug>.md (default language) or <slug>.<lang>.md, JSON front matter."""
    title, body, text_lang = event_text(ev, lang)
    front = {
        "title": title,
        "date": ev["date"]["start"],
        "display": ev["date"]["display"][lang],
        "categories": [ev["category"]],
        "years": [ev["date"]["start"][:4]],
        "sources": [s["key"] for s in ev["sources"]],
    }
    for tag in ev["tags"]:
        front.setdefault(TAG_TAXONOMIES[tag["kind"]], []).append(tag["name"])
    if text_lang:
        front["textlang"] = text_lang
    suffix = "" if lang == default_lang else f".{lang}"
    path = proj / "content" / "events" / f"{ev['slug']}{suffix}.md"
    path.write_text(json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + body + "\n",
                    encoding="utf-8")
    return path


def write_project(n: int, proj: Path, langs: list[str], version: tuple[int, int]) -> dict:
    """Write the Hugo project for generate(n); return the generated data."""
    if proj.exists():
        shutil.rmtree(proj)
    data = bench.generate(n)
    (proj / "content" / "events").mkdir(parents=True)
    (proj / "data").mkdir()
    (proj / "i18n").mkdir()
    (proj / "hugo.toml").write_text(config(proj, langs, version), encoding="utf-8")
    for name, text in LAYOUTS.items():
        (proj / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (proj / "layouts" / name).write_text(text, encoding="utf-8")
    for lang in langs:
        strings = "".join(f'{k} = {json.dumps(v, ensure_ascii=False)}\n'
                          for k, v in I18N[lang].items())
        (proj / "i18n" / f"{lang}.toml").write_text(strings, encoding="utf-8")
        suffix = "" if lang == langs[0] else f".{lang}"
        (proj / "content" / f"sources{suffix}.md").write_text(json.dumps(
            {"title": I18N[lang]["sources"], "layout": "sources"}, ensure_ascii=False) + "\n",
            encoding="utf-8")
        # Our site has no /events/ index page, so the section page is not rendered (it stays a
        # section, which .PrevInSection/.NextInSection on event pages need).
        (proj / "content" / "events" / f"_index{suffix}.md").write_text(json.dumps(
            {"title": "Events", "_build": {"render": "never"}}) + "\n", encoding="utf-8")
    sources = {s["key"]: {k: s[k] for k in ("title", "publisher", "url", "published")}
               for s in data["sources"]}
    (proj / "data" / "sources.json").write_text(json.dumps(sources, ensure_ascii=False),
                                                encoding="utf-8")
    for ev in data["events"]:
        for lang in langs:
            write_event(proj, ev, lang, langs[0])
    return data


def run_hugo(proj: Path, dest: Path) -> dict:
    """Run one `hugo` build; wall time, and CPU and peak RSS of that process alone."""
    log = proj / "hugo.log"
    with open(log, "w") as err:
        t = time.perf_counter()
        p = subprocess.Popen(["hugo", "--quiet", "--source", str(proj), "--destination", str(dest)],
                             stdout=err, stderr=err)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would accumulate CPU over all
        # runs and keep the largest RSS of any of them).
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit(f"hugo failed ({p.returncode}):\n{log.read_text()[-3000:]}")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss / 1024}


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def measure(n: int, proj: Path, dest: Path, data: dict, langs: list[str], runs: int) -> dict:
    """runs x (cold full build into an empty folder, then a rebuild after one body edit)."""
    middle = data["events"][n // 2]["slug"]
    target = proj / "content" / "events" / f"{middle}.md"
    original = target.read_text(encoding="utf-8")
    full, one, files = [], [], set()
    for run in range(runs):
        for d in (dest, proj / "resources", proj / "cache"):
            shutil.rmtree(d, ignore_errors=True)
        dest.mkdir(parents=True)
        full.append(run_hugo(proj, dest))
        files.add(count_files(dest))
        target.write_text(original + f"\nChanged *{time.time()}* in run {run}.\n", encoding="utf-8")
        one.append(run_hugo(proj, dest))
        target.write_text(original, encoding="utf-8")
    assert len(files) == 1, files
    return {"full": full, "one": one, "files": files.pop()}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--out", type=Path, default=OUT, help="where the built sites go (e.g. /dev/shm)")
    ap.add_argument("--lang", action="append", choices=["en", "zh"],
                    help="build only these languages (the first is at the root)")
    ap.add_argument("--runs", type=int, default=RUNS, help="repetitions of each measurement")
    args = ap.parse_args(argv)
    langs = args.lang or ["en", "zh"]
    line, version = hugo_version()
    print(f"{line}; languages: {', '.join(langs)}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"| events | languages | files | full build (median of {args.runs}, min) | CPU (full) | "
          "one-event rebuild (median, min) | peak RSS |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        proj = OUT / f"hugo-{n}"
        t = time.perf_counter()
        data = write_project(n, proj, langs, version)
        print(f"# N={n}: Hugo project written in {time.perf_counter() - t:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
        r = measure(n, proj, args.out / f"hugo-{n}-site", data, langs, args.runs)
        med = lambda rows, k: statistics.median(x[k] for x in rows)
        low = lambda rows, k: min(x[k] for x in rows)
        rss = max(x["rss"] for x in r["full"] + r["one"])
        print(f"| {n:,} | {', '.join(langs)} | {r['files']:,} | "
              f"{med(r['full'], 'wall'):.2f} s ({low(r['full'], 'wall'):.2f}) | "
              f"{med(r['full'], 'cpu'):.1f} s | "
              f"{med(r['one'], 'wall'):.2f} s ({low(r['one'], 'wall'):.2f}) | {rss:.0f} MB |",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
