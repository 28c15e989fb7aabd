"""Benchmark `timeline build`: full build, no-change rebuild, one-event rebuild, peak memory.

    .venv/bin/python bench/build.py 1000 10000 [100000] [--out /dev/shm] [--lang en] [--reuse]

For each N it generates N synthetic events (English and Chinese text, 1 to 3 sources,
1 to 4 tags, bodies of about 100 words with links and emphasis, half of them translated),
imports them with `timeline --db X import FILE`, and in a fresh process per N times
loading the chronology and building the site from an empty output folder, a rebuild with
nothing changed, and a rebuild after one event's body changed (re-imported by slug).
Databases go to bench/out/ (git-ignored), sites to --out. Prints a Markdown table; build
times are build_site's own, the database load (the lead's load_chronology) is shown apart.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

WORDS_EN = ("model video motion camera quality release users creators platform launch update "
            "pricing revenue partner studio feature clip length physics prompt render team").split()
WORDS_ZH = list("可灵快手视频模型发布用户创作者平台功能更新价格收入合作镜头运动质量生成")
CATEGORIES = ["model-release", "product", "personnel", "regulatory", "earnings", "business",
              "organization", "market", "campaign", "other"]
TAGS = ([("person", f"Person {i}") for i in range(300)] + [("organization", f"Org {i}") for i in range(100)]
        + [("product", f"Product {i}") for i in range(100)] + [("topic", f"话题{i}") for i in range(50)])


def _text(rng: random.Random, zh: bool, words: int) -> str:
    out = []
    for n in range(words):
        w = "".join(rng.choice(WORDS_ZH) for _ in range(2)) if zh else rng.choice(WORDS_EN)
        roll = rng.random()
        if roll < 0.03:
            w = f"[{w}](https://example.com/{n}/{rng.randrange(10**6)})"
        elif roll < 0.06:
            w = f"*{w}*"
        elif roll < 0.08:
            w = f"**{w}**"
        out.append(w)
        if n % 50 == 49:
            out.append("\n\n")
    return ("" if zh else " ").join(out).replace(" \n\n ", "\n\n").strip() + ("。" if zh else ".")


def _date(rng: random.Random, i: int, n: int) -> dict:
    day = 16071 + int(i * 3650 / n)  # 2014-01-01 + up to ten years, in order
    import datetime
    d = datetime.date.fromordinal(datetime.date(1970, 1, 1).toordinal() + day)
    s = e = d.isoformat()
    prec, edtf = "day", s
    disp = {"en": f"{d.day} {d.strftime('%b')} {d.year}", "zh": f"{d.year}年{d.month}月{d.day}日"}
    if rng.random() < 0.15:
        import calendar
        s = d.replace(day=1).isoformat()
        e = d.replace(day=calendar.monthrange(d.year, d.month)[1]).isoformat()
        prec, edtf = "month", s[:7]
        disp = {"en": f"{d.strftime('%b')} {d.year}", "zh": f"{d.year}年{d.month}月"}
    return {"text": edtf, "base": None, "start": s, "end": e, "precision": prec, "edtf": edtf,
            "display": disp}


def generate(n: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    sources = [{"key": f"src-{k:06d}", "title": f"Report {k} 报道", "publisher": rng.choice(
        ["智东西", "36氪", "Reuters", "Kuaishou IR", "LatePost"]), "author": None,
        "url": f"https://news.example.com/{k}" if k % 4 else None,
        "published": "2024-05-01", "language": "zh-Hans"} for k in range(max(1, n // 3))]
    events = []
    for i in range(n):
        zh = rng.random() < 0.5
        title = (_text(rng, True, 8).rstrip("。") if zh else _text(rng, False, 7).rstrip(".").title())
        ev = {"slug": f"event-{i:06d}", "title": title, "category": rng.choice(CATEGORIES),
              "tags": [{"kind": k, "name": nm} for k, nm in rng.sample(TAGS, rng.randint(1, 4))],
              "date": _date(rng, i, n), "body": _text(rng, zh, 100 if not zh else 60),
              "lang": "zh" if zh else "en",
              "sources": [{"key": s["key"], "locator": None} for s in rng.sample(sources, min(len(sources), rng.randint(1, 3)))],
              "translations": {}}
        if rng.random() < 0.5:
            other = "en" if zh else "zh"
            ev["translations"] = {other: {"title": title[::-1], "body": _text(rng, not zh, 80)}}
        events.append(ev)
    return {"events": events, "sources": sources, "observations": []}


def _rss_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child(n: int, out_root: Path, langs: tuple[str, ...] | None) -> None:
    """Time the builds for one N (run in its own process, so peak memory is its own)."""
    from timeline import db
    from timeline.build import build_site
    work = OUT / str(n)
    dbfile = work / "events.db"
    site = out_root / f"site-{n}"
    subprocess.run(["rm", "-rf", str(site), str(site.parent / f".{site.name}.timeline-spare")], check=True)

    def timed():
        t, c = time.perf_counter(), _cpu()
        with db.session(db.connect(f"sqlite:///{dbfile}")) as s:
            chrono = db.load_chronology(s)
        load = time.perf_counter() - t
        r = build_site(chrono, site, langs=langs)
        timed.event = dict(chrono.events[len(chrono.events) // 2])
        return {"load": load, "build": r.seconds, "cpu": _cpu() - c, "written": r.written,
                "pages": r.pages}

    rows = {"full": timed(), "nochange": timed()}
    event = timed.event
    event["body"] += f"\n\nChanged *{time.time()}*."
    (work / "one.json").write_text(json.dumps([event], ensure_ascii=False))
    subprocess.run([sys.executable, "-m", "timeline", "--db", str(dbfile), "import",
                    str(work / "one.json")], check=True, capture_output=True, cwd=ROOT)
    rows["one"] = timed()
    me, kids = _rss_mb()
    print(json.dumps({"n": n, "rows": rows, "rss": me, "rss_workers": kids}))


def prepare(n: int) -> None:
    work = OUT / str(n)
    if work.exists():
        subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    data = generate(n)
    (work / "data.json").write_text(json.dumps(data, ensure_ascii=False))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "timeline", "--db", str(work / "events.db"), "import",
                    str(work / "data.json")], check=True, capture_output=True, cwd=ROOT)
    print(f"# N={n}: generated and imported in {time.perf_counter() - t:.1f} s", file=sys.stderr)


def main(argv: list[str]) -> None:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--out", type=Path, default=OUT, help="where the sites go (e.g. /dev/shm)")
    ap.add_argument("--lang", action="append", help="build only these languages")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench/out/N database")
    args = ap.parse_args(argv)
    langs = tuple(args.lang) if args.lang else None
    if args.child:
        child(args.child, args.out, langs)
        return
    print(f"Languages: {', '.join(langs or ('en', 'zh'))}; sites in {args.out}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| events | files | full build | no-change rebuild | one-event rebuild | files rewritten | CPU (full) | peak RSS main / worker |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        if not (args.reuse and (OUT / str(n) / "events.db").exists()):
            prepare(n)
        cmd = [sys.executable, __file__, "--child", str(n), "--out", str(args.out)]
        for lang in langs or ():
            cmd += ["--lang", lang]
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                        cwd=ROOT).stdout.strip().splitlines()[-1])
        rows = res["rows"]
        f = lambda k: f"{rows[k]['build']:.2f} s (+{rows[k]['load']:.2f} load)"
        print(f"| {n:,} | {rows['full']['pages']:,} | {f('full')} | {f('nochange')} | {f('one')} | "
              f"{rows['one']['written']} | {rows['full']['cpu']:.1f} s | "
              f"{res['rss']:.0f} / {res['rss_workers']:.0f} MB |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
