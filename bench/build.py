"""Benchmark `timeline build`: full build, no-change rebuild, one-event rebuild, peak memory.

    .venv/bin/python bench/build.py 1000 10000 [100000] [--out /dev/shm] [--lang en] [--reuse] [--repeat 3]

For each N it generates N synthetic events (English and Chinese text, 1 to 3 sources,
1 to 4 tags, bodies of about 100 words with links and emphasis, half of them translated),
imports them with `timeline --db X import FILE`, and runs `timeline build` three times:
from nothing (no output folder, no spare, no fragment store), again with nothing changed,
and after one event's body changed (re-imported by slug). Each time is the whole command
as a user runs it (start-up and database load included), with the build's own time from
its summary line beside it. Peak memory is sampled every 50 ms over a separate full build
and its worker processes (timed runs are not sampled: see run_build): the sum of their
PSS (a page shared by forked workers counted once), and the RSS of the largest process
(what /usr/bin/time reports).
Databases go to bench/out/ (git-ignored), sites to --out. Prints a Markdown table, then every
run with its CPU time (the command and its workers), which shows how busy the host was.
"""

from __future__ import annotations

import json
import os
import random
import re
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


def _date(rng: random.Random, i: int, n: int, days: int) -> dict:
    day = 16071 + int(i * days / n)  # 2014-01-01 + up to `days` days, in order
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


def generate(n: int, seed: int = 1, days: int = 3650) -> dict:
    """n synthetic events dated in order over `days` days from 1 January 2014."""
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
              "date": _date(rng, i, n, days), "body": _text(rng, zh, 100 if not zh else 60),
              "lang": "zh" if zh else "en",
              "sources": [{"key": s["key"], "locator": None} for s in rng.sample(sources, min(len(sources), rng.randint(1, 3)))],
              "translations": {}}
        if rng.random() < 0.5:
            other = "en" if zh else "zh"
            ev["translations"] = {other: {"title": title[::-1], "body": _text(rng, not zh, 80)}}
        events.append(ev)
    return {"events": events, "sources": sources, "observations": []}


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(sum of PSS over the process tree, largest RSS in it), in kB. PSS splits each page
    shared by forked workers between them, so the sum is the memory the build uses."""
    pss = rss = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss = max(rss, int(line.split()[1]))
        except OSError:
            pass
    return pss, rss


def run_build(dbfile: Path, site: Path, langs: tuple[str, ...] | None, sample: bool = False) -> dict:
    """`timeline --db DB build -o SITE` as a user runs it: wall time of the whole command
    (start-up and database load included), the build's own time from its summary line,
    and, with `sample`, peak memory sampled every 50 ms. Reading a process's smaps walks
    its page tables and holds its memory lock: on two cores the sampler slows the build
    it watches (by a tenth or more at 10,000 events), so timed runs are not sampled."""
    cmd = [sys.executable, "-m", "timeline", "--db", str(dbfile), "build", "-o", str(site)]
    for lang in langs or ():
        cmd += ["--lang", lang]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        if sample:
            pss, rss = _memory(proc.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(0.05 if sample else 0.01)
    wall = time.perf_counter() - t
    out, err = proc.communicate()
    # the command's CPU time, its workers' included (it waits for them): on a shared host
    # the same build takes more CPU when other machines load the cores it runs on
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if proc.returncode:
        raise SystemExit(f"build failed: {err.strip()}")
    m = re.search(r"(\d+) files, (\d+) written, .* in ([\d.]+) s", out)
    return {"wall": wall, "build": float(m.group(3)), "pages": int(m.group(1)), "written": int(m.group(2)),
            "cpu": cpu, "pss_mb": peak_pss / 1024, "rss_mb": peak_rss / 1024}


def measure(n: int, out_root: Path, langs: tuple[str, ...] | None) -> dict:
    """Time the three builds for one N: from nothing, with nothing changed, after one
    event's body changed (re-imported by slug)."""
    work = OUT / str(n)
    dbfile = work / "events.db"
    site = _fresh_site(out_root, n)
    rows = {"full": run_build(dbfile, site, langs), "nochange": run_build(dbfile, site, langs)}
    event = json.loads(subprocess.run(
        [sys.executable, "-m", "timeline", "--db", str(dbfile), "show", f"event-{n // 2:06d}", "--json"],
        check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    event["body"] += f"\n\nChanged *{time.time()}*."
    (work / "one.json").write_text(json.dumps([event], ensure_ascii=False))
    subprocess.run([sys.executable, "-m", "timeline", "--db", str(dbfile), "import",
                    str(work / "one.json")], check=True, capture_output=True, cwd=ROOT)
    rows["one"] = run_build(dbfile, site, langs)
    _clean(out_root, n)
    return rows


def measure_memory(n: int, out_root: Path, langs: tuple[str, ...] | None) -> dict:
    """Peak memory of a full build from nothing, sampled (see run_build)."""
    row = run_build(OUT / str(n) / "events.db", _fresh_site(out_root, n), langs, sample=True)
    _clean(out_root, n)
    return row


def _fresh_site(out_root: Path, n: int) -> Path:
    """A folder no earlier run used: deleting a large old site just before the build would
    time the disk's deferred work for that deletion too; old runs are deleted afterwards."""
    return out_root / f"site-{n}-{os.getpid()}-{time.monotonic_ns()}"


def _clean(out_root: Path, n: int) -> None:
    for old in out_root.glob(f".site-{n}-*"), out_root.glob(f"site-{n}-*"):
        for path in old:
            subprocess.run(["rm", "-rf", str(path)], check=True)
    os.sync()
    time.sleep(5)  # let the disk finish that deletion before the next measurement


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


def compile_bytecode() -> None:
    """Write current bytecode for timeline's modules, as installing a wheel does. An
    editable install has none, and where PYTHONDONTWRITEBYTECODE is set (this machine sets
    it) Python never writes it either: every command would compile the modules it imports
    from source (0.1 to 0.2 s) and the figures would time that instead of the program."""
    import compileall
    if not compileall.compile_dir(ROOT / "timeline", quiet=1):
        raise SystemExit("could not compile timeline's modules")


def host_speed() -> float:
    """Seconds a fixed pure-Python loop takes, best of 5: how fast this machine is right
    now. A shared virtual machine varies by a third from one minute to the next; printed
    beside the figures so that runs at different times can be compared."""
    best = float("inf")
    for _ in range(5):
        t, s = time.perf_counter(), 0
        for i in range(3_000_000):
            s += i * i % 7
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str]) -> None:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--out", type=Path, default=OUT, help="where the sites go (e.g. /dev/shm)")
    ap.add_argument("--lang", action="append", help="build only these languages")
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench/out/N database")
    ap.add_argument("--repeat", type=int, default=1, help="measure each N this many times; "
                    "the table shows the fastest run (for a shared, noisy machine)")
    args = ap.parse_args(argv)
    langs = tuple(args.lang) if args.lang else None
    compile_bytecode()
    speed_before = host_speed()
    print(f"Languages: {', '.join(langs or ('en', 'zh'))}; sites in {args.out}; "
          f"load average {os.getloadavg()[0]:.1f}; host speed {speed_before:.3f} s (see host_speed)")
    print("Times: the whole `timeline build` command (start-up and database load included), "
          "and in brackets the build's own time from its summary line.")
    print("| events | files | full build | no-change rebuild | one-event rebuild | files rewritten | "
          "peak memory (all processes, PSS) | largest process (RSS) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs_seen = []
    for n in args.sizes:
        if not (args.reuse and (OUT / str(n) / "events.db").exists()):
            prepare(n)
        runs = [measure(n, args.out, langs) for _ in range(args.repeat)]
        runs_seen.append((n, runs))
        mem = measure_memory(n, args.out, langs)
        best = {k: min(runs, key=lambda r: r[k]["wall"])[k] for k in ("full", "nochange", "one")}
        f = lambda k: f"{best[k]['wall']:.2f} s ({best[k]['build']:.2f} s)"
        print(f"| {n:,} | {best['full']['pages']:,} | {f('full')} | {f('nochange')} | {f('one')} | "
              f"{best['one']['written']} | {mem['pss_mb']:.0f} MB | {mem['rss_mb']:.0f} MB |", flush=True)
    head = f"Best of {args.repeat} runs above; every run" if args.repeat > 1 else "Every run"
    print(f"\n{head}, whole command (build; CPU of the command and its workers, user + system):")
    for n, runs in runs_seen:
        for k in ("full", "nochange", "one"):
            print(f"- {n:,} {k}: " + ", ".join(f"{r[k]['wall']:.2f} ({r[k]['build']:.2f}; CPU {r[k]['cpu']:.1f})"
                                               for r in runs))
    print(f"Host speed after the runs: {host_speed():.3f} s (before: {speed_before:.3f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
