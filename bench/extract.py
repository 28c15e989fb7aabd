"""Benchmark `timeline extract` on the five source articles of the shipped chronology.

    .venv/bin/python bench/extract.py [--verbose] [--sources DIR] [--data DIR]

Builds a database from data/kling/*.yaml (events that cannot be read yet are skipped and
counted), runs extract on the articles with their publication dates (the register in
../shared/sources/README.md; 001 is split into its eight articles, each with its own date)
and reports:

* recall: the share of chronology events that cite an article and are found among the
  candidates drawn from that article, with an overlapping date and the same category
  (per event: found from any article it cites; per citation: each (event, article) pair);
* precision: the share of candidates that match an event of the chronology (an
  overlapping date and the same category). That is a lower bound: candidates a reviewer
  would add but the chronology lacks count as wrong here; --verbose lists them to judge;
* speed: kilobytes of article text (UTF-8) a second, extract alone (best of 3 runs).
"""

from __future__ import annotations

import argparse
import glob
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from timeline import db, extract, importers, store  # noqa: E402
from timeline.errors import TimelineError  # noqa: E402

# file → publication date used as the base (from the sources register)
PUBLISHED = {
    "000_ed2d63ff1567cfc9.txt": "2025-06-06",
    "002_ca47781d342ec754.txt": "2026-01-15",
    "003_59415152afe166fb.txt": "2025-03-27",
    "004_ebc6bb63f7986bca.txt": "2026-01-05",
}
# 001 is eight articles: (headline start, publication date as far as the text shows)
COMPILATION = "001_c84e7c329fbc6ec9.txt"
PARTS = [
    ("「可靈」將年賺10億", "2025-11-28"),
    ("快手Q3成績單", "2025-11-20"),
    ("快手可靈 Q1 營收1.5億", "2025-05-28"),
    ("在60多個國家和地區掀起全民創作風暴", "2025-06-15"),
    ("可靈的“兩幅面孔”", "2025-06-15"),
    ("中國網際網路江湖", "2025-05-28"),
    ("快手、阿里巴巴、京東……都出手了", "2025-04-28"),
    ("力壓OpenAI、Google", "2025-04-15"),
]


def articles(sources: Path) -> list[extract.Article]:
    out = []
    for path in sorted(sources.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if path.name == COMPILATION:
            starts = [text.find(head) for head, _ in PARTS]
            for n, ((head, pub), a) in enumerate(zip(PARTS, starts), 1):
                if a < 0:
                    raise SystemExit(f"headline {head!r} not found in {path.name}")
                b = starts[n] if n < len(starts) else len(text)
                out.append(_article(text[a:b], f"{path.name}, article {n}", pub, head))
        elif path.name in PUBLISHED:
            out.append(_article(text, path.name, PUBLISHED[path.name], None))
    return out


def _article(text: str, locator: str, published: str, title: str | None) -> extract.Article:
    src = extract.SourceInfo(title=title or locator, published=published, locator=locator)
    return extract.Article(text=text, source=src, base=date.fromisoformat(published))


def build_db(data: Path, url: str) -> tuple[int, list[str]]:
    """Import the chronology event by event; returns (events imported, skipped reasons)."""
    engine = db.connect(url)
    batch = importers.Batch()
    skipped = []
    files = sorted(glob.glob(str(data / "*.yaml")))
    for f in sorted(files, key=lambda f: not f.endswith("sources.yaml")):
        doc = yaml.safe_load(Path(f).read_text(encoding="utf-8")) or {}
        for s in doc.get("sources") or []:
            batch.sources.append((importers.Where(f), importers.source_from_dict(s, importers.Where(f))))
        for i, e in enumerate(doc.get("events") or []):
            where = importers.Where(f, None, f"events[{i}]")
            try:
                batch.events.append((where, importers.event_from_dict(dict(e), where)))
            except TimelineError as err:
                skipped.append(f"{e.get('slug')}: {err}")
    store.import_batch(engine, batch)
    engine.dispose()
    return len(batch.events), skipped


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start <= b_end and b_start <= a_end


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", default=str(REPO.parent / "shared" / "sources"))
    ap.add_argument("--data", default=str(REPO / "data" / "kling"))
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="timeline-bench-")
    url = f"sqlite:///{tmp}/kling.db"
    n_events, skipped = build_db(Path(args.data), url)
    known = extract.load_known(url)
    docs = articles(Path(args.sources))
    size = sum(len(d.text.encode("utf-8")) for d in docs)

    best = None
    for _ in range(3):
        extract._parse.cache_clear()
        t0 = time.perf_counter()
        cands = extract.extract(docs, known)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)

    events = known.events
    # recall
    found_events, cites_total, cites_found, missed = 0, 0, 0, []
    for ev in events:
        d = ev["date"]
        locs = {s["locator"] for s in ev["sources"] if s.get("locator")}
        hit_any = False
        for loc in locs:
            cites_total += 1
            ok = any(c.category == ev["category"]
                     and overlaps(c.date.start.isoformat(), c.date.end.isoformat(),
                                  d["start"], d["end"])
                     and any(s.locator == loc for s in c.sources) for c in cands)
            cites_found += ok
            hit_any = hit_any or ok
        found_events += hit_any
        if not hit_any:
            missed.append(ev)
    # precision (lower bound: matches an event of the chronology)
    unmatched = []
    for c in cands:
        if not any(ev["category"] == c.category and overlaps(
                c.date.start.isoformat(), c.date.end.isoformat(), ev["date"]["start"],
                ev["date"]["end"]) for ev in events):
            unmatched.append(c)
    matched = len(cands) - len(unmatched)

    print(f"chronology: {n_events} events read from {args.data} "
          f"({len(skipped)} skipped: date text the parser cannot read yet)")
    print(f"articles:   {len(docs)} ({size / 1024:.1f} KB), {len(cands)} candidates")
    print(f"recall:     {found_events}/{len(events)} events = "
          f"{found_events / max(1, len(events)):.1%}   "
          f"(per citation {cites_found}/{cites_total} = {cites_found / max(1, cites_total):.1%})")
    print(f"precision:  {matched}/{len(cands)} candidates match a chronology event = "
          f"{matched / max(1, len(cands)):.1%} (lower bound; see --verbose)")
    print(f"speed:      {size / 1024 / best:.0f} KB/s ({best * 1000:.0f} ms for {size / 1024:.1f} KB)")
    if args.verbose:
        for s in skipped:
            print("  skipped:", s)
        print("\nmissed events:")
        for ev in missed:
            print(f"  {ev['date']['start']}..{ev['date']['end']} {ev['category']:<13} "
                  f"{ev['slug']}  ({ev['date']['text']})")
        print("\ncandidates matching no chronology event (judge by hand):")
        for c in unmatched:
            print(f"  {c.date.start}..{c.date.end} {c.category:<13} {c.confidence:.2f} "
                  f"{c.title}  [{c.date.text}]")
            for m in c.mentions[:2]:
                print(f"      {m.source.locator}: {extract._clip(m.sentence, 110)}")


if __name__ == "__main__":
    main()
