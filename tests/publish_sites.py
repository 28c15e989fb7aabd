"""Small built sites for the publish tests (the real builder is tested elsewhere).

Two versions of the same site: pages common to both carry their version number; `old.html`
exists only in version 1, `new.html` only in version 2.
"""

from __future__ import annotations

from pathlib import Path

COMMON_PAGES = ["index.html", "events/index.html", "events/launch/index.html",
                "events/funding/index.html", "404.html"]
COMMON_FILES = COMMON_PAGES + ["static/style.css", "static/logo.svg", "feed.json", "feed.xml",
                               "calendar.ics", "sitemap.xml", "robots.txt"]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="version" content="{version}">
<title>{title}</title><link rel="stylesheet" href="{base}static/style.css"></head>
<body><nav><a href="{base}">Home</a> <a href="{base}events/">Events</a></nav>
<main><h1>{title}</h1><p>Version {version}. {extra}</p>
<img src="{base}static/logo.svg" alt="">
<ul><li><a href="{base}events/launch/">Launch</a><li><a href="{base}events/funding/">Funding</a></ul>
</main></body></html>
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_site(root: Path, version: int = 1, base: str = "/", origin: str = "https://example.org") -> Path:
    """Write version 1 or 2 of the fake site, served at origin + base (a path), into root."""
    root.mkdir(parents=True, exist_ok=True)
    only = "old.html" if version == 1 else "new.html"
    for rel in COMMON_PAGES + [only]:
        link = f'<a href="{base}{only}">only in v{version}</a>' if rel == "index.html" else ""
        write(root, rel, PAGE.format(title=rel, version=version, base=base, extra=link))
    write(root, "static/style.css", f"/* v{version} */ body {{ font-family: serif; }}\n")
    write(root, "static/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n')  # same in both
    write(root, "feed.json", f'{{"version": "https://jsonfeed.org/version/1.1", "v": {version}}}\n')
    write(root, "feed.xml", f'<feed xmlns="http://www.w3.org/2005/Atom"><id>v{version}</id></feed>\n')
    write(root, "calendar.ics", f"BEGIN:VCALENDAR\r\nX-V:{version}\r\nEND:VCALENDAR\r\n")
    write(root, "sitemap.xml", f"<urlset><url><loc>{origin}{base}events/</loc></url></urlset>\n")
    write(root, "robots.txt", "User-agent: *\n")
    write(root, ".timeline-manifest.json", "{}")  # the builder's bookkeeping: never published
    return root


def files_of(root: Path, *, skip: frozenset[str] = frozenset({".timeline-manifest.json"})) -> dict[str, bytes]:
    """Every file under root (except skip and .git) by relative POSIX path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts
            and p.relative_to(root).as_posix() not in skip}
