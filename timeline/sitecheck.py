"""Check a built site before it is published.

`check_site(site_dir, base_url)` returns a list of problems, one line each, and an empty
list for a good site:

- every internal reference (href, src, srcset in HTML; url() and @import in CSS; <loc> in
  sitemaps) resolves to a file in site_dir, given that the site is served under
  base_url's path (https://user.github.io/repo/ -> /repo/); `dir/` means `dir/index.html`,
  and fragments, query strings and percent-encoding are handled;
- no asset (script, stylesheet, image, media, font, icon, iframe) is loaded from another
  host: the site must work offline and without a third-party CDN;
- every HTML file is UTF-8 and well formed enough: tags are complete, comments closed, and
  end tags match start tags (elements whose end tag HTML lets you omit, such as <p> and
  <li>, may stay open); no id is given to two elements of a page (a link to it, or a
  label pointing at it, would reach only the first).

It tokenises with regular expressions rather than html.parser, and checks a large site in
worker processes, so that a site of 10,000 pages is checked in a few seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import posixpath
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from timeline.templating import Router

__all__ = ["check_site"]

# Tokens, after the "<" that every alternative shares (factoring it out lets the regex
# engine skip to the next "<" quickly): start tag, end tag, comment, doctype/processing
# instruction, and a "<" followed by a letter, "/" or "!" that makes no complete tag
# (an unterminated tag or comment). Attributes use the "unrolled loop" form, linear time.
_ATTRS = r"""((?:\s|/)[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)?"""
_TOKEN = re.compile(
    r"<(?:"
    r"([a-zA-Z][a-zA-Z0-9:-]*)" + _ATTRS + ">"
    r"|/([a-zA-Z][a-zA-Z0-9:-]*)\s*>"
    r"|!--.*?-->"
    r"|!(?!--)[^>]*>|\?[^>]*>"
    r"|([a-zA-Z/!])"
    r")",
    re.DOTALL,
)
# <script> and <style> hold text that is not markup: their bodies are blanked before
# tokenising (only in pages that have them).
_RAW = re.compile(r"<(script|style)\b(" + _ATTRS[1:-2] + r")?>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_ATTR_PAIR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""")
_SITEMAP_LOC = re.compile(r"<loc>\s*([^<]*?)\s*</loc>", re.IGNORECASE)
_CHAR_REF = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|amp|quot|apos|lt|gt);")

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Elements whose end tag may be omitted (HTML "optional tags"), plus foreign-content
# containers we do not police.
OPTIONAL_END = frozenset(
    "html head body p li dt dd tr td th thead tbody tfoot option optgroup colgroup caption rb rt rtc rp".split()
)
# Attributes that hold a URL, and whether a reference there loads an asset.
URL_ATTRS = {"href", "src", "srcset", "poster", "data"}
ASSET_TAGS = frozenset("script img source video audio track iframe embed object input picture".split())
ASSET_LINK_RELS = frozenset(
    "stylesheet icon shortcut apple-touch-icon mask-icon manifest preload modulepreload prefetch".split()
)
PARALLEL_MIN = 2000  # files: below this, forking workers costs more than it saves
IGNORED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "geo:", "webcal:", "about:")


_ID = re.compile(r"""(?:^|\s)id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)


def _may_hold_url(attrs: str) -> bool:
    """A cheap filter before parsing attributes: most tags carry no URL."""
    return ("href" in attrs or "src" in attrs or "HREF" in attrs or "SRC" in attrs
            or "poster" in attrs or "data=" in attrs)


def _unescape(value: str) -> str:
    """Decode the few character references that appear in URLs (&amp; mostly)."""
    if "&" not in value:
        return value

    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref[0] == "#":
            return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
        return {"amp": "&", "quot": '"', "apos": "'", "lt": "<", "gt": ">"}[ref]

    return _CHAR_REF.sub(one, value)


def _references(tag: str, attrs: str) -> list[tuple[str, bool]]:
    """The URLs in one tag's attributes, each with whether it loads an asset."""
    values: dict[str, str] = {}
    for name, v1, v2, v3 in _ATTR_PAIR.findall(attrs):
        name = name.lower()
        if name not in values:
            values[name] = v1 or v2 or v3
    if not URL_ATTRS.intersection(values):
        return []
    if tag == "link":
        asset = bool(set(values.get("rel", "").lower().split()) & ASSET_LINK_RELS)
    else:
        asset = tag in ASSET_TAGS
    refs = [(_unescape(values[name]), asset) for name in ("href", "src", "poster") if name in values]
    if tag == "object" and "data" in values:
        refs.append((_unescape(values["data"]), True))
    for candidate in _unescape(values.get("srcset", "")).split(","):
        if candidate.strip():
            refs.append((candidate.split()[0], True))
    return refs


@dataclass(frozen=True)
class _Base:
    scheme: str
    host: str  # "" when the base URL is a bare path such as "/"
    path: str  # always starts and ends with "/"

    @classmethod
    def parse(cls, base_url: str) -> _Base:
        parts = urlsplit(base_url or "/")
        # the base path as the build's Router writes it in links (slashes, percent-encoding)
        return cls(parts.scheme.lower(), parts.netloc.lower(), Router(base_url).base_path)


class _Checker:
    def __init__(self, site_dir: Path, base_url: str):
        self.root = site_dir
        self.base = _Base.parse(base_url)
        self.files: set[str] = set()
        self.dirs: set[str] = {""}
        for dirpath, dirnames, filenames in os.walk(site_dir):
            rel = os.path.relpath(dirpath, site_dir).replace(os.sep, "/")
            rel = "" if rel == "." else rel
            for d in dirnames:
                self.dirs.add(f"{rel}/{d}" if rel else d)
            for f in filenames:
                self.files.add(f"{rel}/{f}" if rel else f)
        self.problems: list[str] = []
        self.cache: dict[tuple[str, str, bool], str | None] = {}
        self.attr_cache: dict[tuple[str, str], list[tuple[str, bool]]] = {}

    # -- references -------------------------------------------------------------------
    def resolve(self, page: str, ref: str, *, asset: bool) -> None:
        """Check one reference found in `page` (a site-relative path)."""
        relative = not (ref[:1] == "/" or "//" in ref)
        if relative and page == "404.html" and ref.strip()[:1] not in ("", "#", "?") and ":" not in ref:
            # Servers send 404.html for any missing URL, so its relative links break.
            self.problems.append(f"{page}: link {ref!r} is relative, but 404.html is served at any URL; "
                                 "start it with the base path")
            return
        key = (page.rpartition("/")[0] if relative else "", ref, asset)
        try:
            problem = self.cache[key]
        except KeyError:
            problem = self.cache[key] = self._resolve(key[0], ref, asset)
        if problem:
            self.problems.append(f"{page}: {problem}")

    def _resolve(self, page_dir: str, ref: str, asset: bool) -> str | None:
        """The problem with `ref` found in a page of the folder page_dir, or None."""
        ref = ref.strip()
        if not ref or ref[0] == "#" or ref.lower().startswith(IGNORED_SCHEMES):
            return None
        parts = urlsplit(ref)
        if parts.scheme and parts.scheme.lower() not in ("http", "https"):
            return None  # ftp:, irc:, ... : not ours to check
        if parts.netloc or ref.startswith("//"):
            if not self.base.host or parts.netloc.lower() != self.base.host:
                return f"loads {ref!r} from another host; ship the file with the site" if asset else None
            url_path = parts.path or "/"
        else:
            url_path = parts.path
            if not url_path:
                return None  # "?q=1" alone: the same page
        if url_path[0] == "/":
            if not (url_path if url_path.endswith("/") else url_path + "/").startswith(self.base.path):
                return f"link {ref!r} is outside the base path {self.base.path}; it breaks under a sub-path"
            target = url_path[len(self.base.path):]
        else:
            target = f"{page_dir}/{url_path}" if page_dir else url_path
        if "%" in target:
            target = unquote(target)
        if "./" in target or "//" in target or target.endswith("/.") or target in (".", ".."):
            normal = posixpath.normpath(target)
            if normal == ".." or normal.startswith("../"):
                return f"link {ref!r} points above the site root"
            rel = "" if normal == "." else normal
        else:
            rel = target.rstrip("/")
        if target.endswith("/") or rel == "":
            rel = f"{rel}/index.html" if rel else "index.html"
        if rel in self.files:
            return None
        if rel in self.dirs and f"{rel}/index.html" in self.files:
            return None  # "dir" without a slash: servers redirect to "dir/"
        return f"broken link {ref!r} (no file {rel})"

    # -- HTML -------------------------------------------------------------------------
    def check_html(self, rel: str, text: str) -> None:
        if "<script" in text or "<style" in text or "<SCRIPT" in text or "<STYLE" in text:
            text = _RAW.sub(r"<\1\2></\1>", text)
        stack: list[str] = []
        ids: set[str] = set()
        # findall returns plain tuples: far faster than a Match object per tag.
        for n, (start, attrs, end, bad) in enumerate(_TOKEN.findall(text)):
            if start:
                tag = start.lower()
                if attrs and _may_hold_url(attrs):
                    self.check_attrs(rel, tag, attrs)
                if "id" in attrs or "ID" in attrs:
                    m = _ID.search(attrs)
                    if m:
                        ident = _unescape(m.group(1) or m.group(2) or m.group(3) or "")
                        if ident in ids:
                            self.html_problem(rel, text, n, f"the id {ident!r} is given twice", parse=False)
                        ids.add(ident)
                if tag not in VOID and attrs[-1:] != "/":
                    stack.append(tag)
            elif end:
                tag = end.lower()
                if stack and stack[-1] == tag:
                    stack.pop()
                    continue
                if tag in VOID:
                    continue
                if tag not in stack:
                    return self.html_problem(rel, text, n, f"</{tag}> closes nothing")
                while stack:
                    open_tag = stack.pop()
                    if open_tag == tag:
                        break
                    if open_tag not in OPTIONAL_END:
                        return self.html_problem(rel, text, n, f"<{open_tag}> is closed by </{tag}>")
            elif bad:
                return self.html_problem(rel, text, n, "unterminated tag or comment")
        unclosed = [t for t in stack if t not in OPTIONAL_END]
        if unclosed:
            self.problems.append(f"{rel}: HTML does not parse: <{unclosed[-1]}> is never closed")
        return None

    def html_problem(self, rel: str, text: str, token_index: int, what: str, *, parse: bool = True) -> None:
        """Report a problem with its line number (found again only on this slow path);
        `parse`: it is that the HTML does not parse."""
        what = f"HTML does not parse: {what}" if parse else what
        for n, m in enumerate(_TOKEN.finditer(text)):
            if n == token_index:
                line = text.count("\n", 0, m.start()) + 1
                self.problems.append(f"{rel}:{line}: {what}")
                return
        self.problems.append(f"{rel}: {what}")

    def check_attrs(self, page: str, tag: str, attrs: str) -> None:
        key = (tag, attrs)
        refs = self.attr_cache.get(key)
        if refs is None:
            refs = self.attr_cache[key] = _references(tag, attrs)
        for ref, asset in refs:
            self.resolve(page, ref, asset=asset)

    # -- other files ------------------------------------------------------------------
    def check_css(self, rel: str, text: str) -> None:
        for m in _CSS_URL.finditer(text):
            ref = next(g for g in m.groups() if g is not None) if any(g is not None for g in m.groups()) else ""
            self.resolve(rel, ref, asset=True)

    def check_sitemap(self, rel: str, text: str) -> None:
        for m in _SITEMAP_LOC.finditer(text):
            loc = _unescape(m.group(1))
            parts = urlsplit(loc)
            if not (parts.scheme and parts.netloc):
                if self.base.host:
                    self.problems.append(f"{rel}: <loc> {loc!r} is not an absolute URL")
                else:  # a base URL without a host: only the path can be checked
                    self.resolve(rel, loc if loc.startswith("/") else "/" + loc, asset=False)
                continue
            if self.base.host and parts.netloc.lower() != self.base.host:
                self.problems.append(f"{rel}: <loc> {loc!r} is not on {self.base.host}")
                continue
            self.resolve(rel, parts.path or "/", asset=False)

    def check_files(self, rels: list[str]) -> list[str]:
        self.problems = []
        for rel in rels:
            lower = rel.lower()
            try:
                text = (self.root / rel).read_bytes().decode("utf-8")
            except UnicodeDecodeError as e:
                self.problems.append(f"{rel}: not UTF-8 (byte {e.start})")
                continue
            except OSError as e:
                self.problems.append(f"{rel}: cannot be read ({e.strerror})")
                continue
            if lower.endswith((".html", ".htm")):
                self.check_html(rel, text)
            elif lower.endswith(".css"):
                self.check_css(rel, text)
            else:
                self.check_sitemap(rel, text)
        return self.problems

    def run(self, jobs: int | None = None) -> list[str]:
        todo = [rel for rel in sorted(self.files) if rel.lower().endswith((".html", ".htm", ".css"))
                or (rel.lower().endswith(".xml") and posixpath.basename(rel.lower()).startswith("sitemap"))]
        workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
        if workers < 2 or len(todo) < PARALLEL_MIN:
            return self.check_files(todo)
        # Worker processes forked with this checker (and its file index) in memory.
        size = -(-len(todo) // (workers * 4))
        chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
        _WORKER["checker"] = self
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start,
                                                          initargs=(os.getpid(),)) as pool:
                results = pool.map(_check_chunk, chunks)
        finally:
            _WORKER.clear()
        return [problem for chunk in results for problem in chunk]


_WORKER: dict[str, _Checker] = {}


def _worker_start(parent: int) -> None:
    """A check worker dies with the process that forked it (publish killed with SIGKILL left
    them running, to print tracebacks into the terminal later), and leaves Ctrl-C to it:
    the parent stops the pool and says "Interrupted." once."""
    from timeline.output import die_with_parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def _check_chunk(rels: list[str]) -> list[str]:
    return _WORKER["checker"].check_files(rels)


def check_site(site_dir: Path, base_url: str = "/", *, jobs: int | None = None) -> list[str]:
    """Return the problems found in the built site at site_dir, one line each; [] if none.

    base_url is the URL the site will be served at ("/", "/repo/" or
    "https://user.github.io/repo/"): root-relative links must start with its path, and
    absolute links to its host are internal links. A large site is checked in `jobs`
    worker processes (default: one per CPU, at most 8); jobs=1 checks in this process.
    """
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        return [f"{site_dir}: no index.html; is this a built site?"]
    return _Checker(site_dir, base_url).run(jobs)
