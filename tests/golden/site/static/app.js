/* timeline: filter and search in the browser, with no server and no framework.
 *
 * Progressive enhancement: without JavaScript the form stays hidden and every event is
 * reached through the index, the year, category and tag pages. With it, the form
 * (#filters) filters by category, tag and year and searches titles and bodies in Chinese
 * and English as you type. The state lives in the URL (?q=&cat=&tag=&year=), so a
 * filtered view can be shared and bookmarked, and the back button walks through it.
 *
 * The index (see timeline/search.py) is fetched lazily, on the first action: a small
 * manifest, then only the chunks needed (a year filter loads that year's chunks only;
 * the text chunks only once there is something to search for).
 * When every event of the page is already on it (#timeline[data-complete]), matching
 * events are shown and the others hidden in place; otherwise results are drawn into
 * #results, grouped by month, a hundred at a time: each first with its title, then, once
 * it is near the screen, as the whole card its year page shows (summary, sources),
 * taken from that page, which is fetched once for all the results it holds.
 */
(function () {
  "use strict";

  var form = document.getElementById("filters");
  if (!form || !window.fetch || !window.history || !history.pushState) return;

  var WORD = /[\p{L}\p{N}\p{M}]+(?:[.'\u2019%+\-][\p{L}\p{N}\p{M}]+)*/gu;
  var LATIN = /[0-9a-z\u00c0-\u024f]/;   // (after toLowerCase) search.LATIN
  var PAGE = 100;
  var docLang = (document.documentElement.lang || "en").slice(0, 2);
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  var q = form.elements.q, cat = form.elements.cat, tag = form.elements.tag, year = form.elements.year;
  var statusEl = document.getElementById("filter-status");
  var results = document.getElementById("results");
  var timeline = document.getElementById("timeline");
  var complete = !!(timeline && timeline.hasAttribute("data-complete"));
  var scopeYear = form.getAttribute("data-scope-year") || "";
  var t = function (name) { return form.getAttribute("data-t-" + name) || ""; };

  var meta = null, metaPromise = null;
  var docs = [], texts = [], pending = {};
  var cards = null, cardPages = {};  // whole cards by path segment; year pages: "pending", "done", "failed"
  var chunksLoading = false, unseen = new Set();  // (results not yet told whether near the screen)
  var limit = PAGE, typing = 0, generation = 0;
  var simplified = new Map();  // traditional → simplified Chinese, from the manifest

  // The manifest's "fold": a string of traditional characters and one of their simplified
  // forms, in the same order (timeline/zh_fold.py). Array.from splits by code point:
  // some of the characters are outside the BMP.
  function foldTable(pair) {
    var map = new Map();
    if (!pair) return map;  // a manifest cached from before the table
    var from = Array.from(pair[0]), to = Array.from(pair[1]);
    for (var i = 0; i < from.length; i++) map.set(from[i], to[i]);
    return map;
  }

  // As search.normalise: NFKC, lower case, traditional folded to simplified and a
  // typographic apostrophe to a straight one (the text chunks are folded the same way),
  // then the words.
  function normalise(text) {
    var folded = Array.from((text || "").normalize("NFKC").toLowerCase(), function (ch) {
      return simplified.get(ch) || ch;
    }).join("").replace(/\u2019/g, "'");
    return folded.match(WORD) || [];
  }

  // ------------------------------------------------------------ state and URL
  function readForm() {
    return { q: q.value.trim(), cat: cat.value, tag: tag.value, year: year.value };
  }

  function readURL() {
    var p = new URLSearchParams(location.search);
    var y = p.get("year");
    return { q: p.get("q") || "", cat: p.get("cat") || "", tag: p.get("tag") || "",
      year: y === null ? scopeYear : (y === "all" ? "" : y) };
  }

  function setSelect(sel, value) {
    sel.value = value;
    if (sel.value !== value) sel.value = "";  // an unknown value: ignore it
  }

  function writeForm(s) {
    q.value = s.q;
    setSelect(cat, s.cat);
    setSelect(tag, s.tag);
    setSelect(year, s.year);
  }

  // "?q=…&cat=…&tag=…" for a state, with its year when that is not the page's own
  function queryOf(s, scope) {
    var p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    if (s.cat) p.set("cat", s.cat);
    if (s.tag) p.set("tag", s.tag);
    if (s.year !== scope) p.set("year", s.year || "all");
    var query = p.toString();
    return query ? "?" + query : "";
  }

  function toURL(s) {
    return location.pathname + queryOf(s, scopeYear);
  }

  function isScope(s) {
    return !s.q && !s.cat && !s.tag && s.year === scopeYear;
  }

  // ------------------------------------------------------------ the index
  // A file of the site (a response with an error status is a failure too)
  function fetchOK(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r;
    });
  }

  function fetchJSON(url) {
    return fetchOK(url).then(function (r) { return r.json(); });
  }

  function loadMeta() {
    if (!metaPromise) {
      metaPromise = fetchJSON(form.getAttribute("data-index")).then(function (m) {
        meta = m;
        simplified = foldTable(m.fold);
        m.catIndex = {};
        m.cats.forEach(function (c, i) { m.catIndex[c[0]] = i; });
        m.tagIndex = {};
        m.tags.forEach(function (tg, i) { m.tagIndex[tg[0] + ":" + tg[1]] = i; });
        m.yearURL = {};
        (m.years || []).forEach(function (y) { m.yearURL[y[0]] = y[2]; });
        return m;
      });
    }
    return metaPromise;
  }

  function load(kind, k) {
    var key = kind + k, store = kind === "docs" ? docs : texts;
    if (store[k] || pending[key]) return;
    pending[key] = fetchJSON(meta.chunks[k][kind]).then(function (data) {
      store[k] = data;
      delete pending[key];
      schedule();
    }, function (err) {
      delete pending[key];
      showStatus(t("error"));
      if (window.console) console.warn(err);
    });
  }

  function neededChunks(s) {
    var out = [];
    meta.chunks.forEach(function (c, k) {
      var y = +s.year;
      if (!s.year || (c.y0 <= y && y <= c.y1)) out.push(k);
    });
    return out;
  }

  // ------------------------------------------------------------ matching
  function matcher(s) {
    var terms = normalise(s.q);
    var ci = s.cat ? meta.catIndex[s.cat] : null;
    var ti = s.tag ? meta.tagIndex[s.tag] : null;
    if ((s.cat && ci === undefined) || (s.tag && ti === undefined)) return function () { return false; };
    return function (rec, text) {
      if (ci !== null && rec[5] !== ci) return false;
      if (ti !== null && rec[6].indexOf(ti) < 0) return false;
      if (s.year && rec[4].slice(0, 4) !== s.year) return false;
      for (var i = 0; i < terms.length; i++) if (!foundWord(text, terms[i])) return false;
      return true;
    };
  }

  // A word of the query in an event's words (search.found_word): found as it is, or, a
  // name glued to a number ("kling2.1", as Chinese articles write it), as the name and the
  // number apart ("Kling 2.1"). One letter and a number stay one word ("q3", "o1").
  function foundWord(text, w) {
    if (found(text, w)) return true;
    var glued = /^([a-z\u00c0-\u024f]{2,})([0-9].*)$/.exec(w);
    return !!glued && found(text, glued[1]) && found(text, glued[2]);
  }

  // Whether a word of the query is in an event's words (search.found: the same rule). A
  // word that begins with a Latin letter or a digit matches the start of a word or of a
  // part of one ("2.0" finds "kling-2.0", "art" does not find "start"), and one that ends
  // with a digit is not followed by another ("2" finds "2.0", not "2025"); Chinese matches
  // anywhere, as its words are runs of characters with no spaces between them.
  function found(text, term) {
    if (!LATIN.test(term.charAt(0))) return text.indexOf(term) >= 0;
    var number = /[0-9]/.test(term.charAt(term.length - 1));
    for (var p = text.indexOf(term); p >= 0; p = text.indexOf(term, p + 1)) {
      var next = text.charAt(p + term.length);
      if ((p === 0 || !LATIN.test(text.charAt(p - 1))) && !(number && next >= "0" && next <= "9")) return true;
    }
    return false;
  }

  // ------------------------------------------------------------ showing
  function showStatus(text) {
    statusEl.textContent = text;
  }

  function count(shown, total, loading) {
    var text = shown === 0 && !loading ? t("none") :
      t("status").replace("{shown}", shown.toLocaleString(docLang)).replace("{total}", total.toLocaleString(docLang));
    return loading ? text + " " + t("loading") : text;
  }

  function restore() {
    if (nearScreen) nearScreen.disconnect();
    unseen.clear();
    results.hidden = true;
    results.textContent = "";
    if (timeline) {
      timeline.hidden = false;
      var hidden = timeline.querySelectorAll("[hidden]");
      for (var i = 0; i < hidden.length; i++) hidden[i].hidden = false;
      var heads = document.querySelectorAll("#timeline [data-all], nav.years [data-all]");
      for (var h = 0; h < heads.length; h++) heads[h].textContent = heads[h].getAttribute("data-all");
      var years = document.querySelectorAll("nav.years li[hidden]");
      for (var k = 0; k < years.length; k++) years[k].hidden = false;
    }
    showStatus("");
  }

  function applyInPlace(s, match) {
    var byId = {};
    docs.forEach(function (chunk, k) {
      if (!chunk) return;
      chunk.forEach(function (rec, i) { byId[rec[0]] = [rec, texts[k] ? texts[k][i] : ""]; });
    });
    // (the total: the events of the year filtered to, or all the page lists)
    var cards = timeline.querySelectorAll("article[data-e]"), shown = 0, total = 0, perYear = {};
    for (var i = 0; i < cards.length; i++) {
      var hit = byId[cards[i].getAttribute("data-e")];
      var ok = !!hit && match(hit[0], hit[1]);
      cards[i].hidden = !ok;
      var y = hit ? hit[0][4].slice(0, 4) : "";
      if (ok) {
        shown++;
        perYear[y] = (perYear[y] || 0) + 1;
      }
      if (!s.year || y === s.year) total++;
    }
    // the home page's row of years: what is left of each; years with nothing left hidden
    if (!scopeYear) {
      var links = document.querySelectorAll("nav.years li[data-year]");
      for (var k = 0; k < links.length; k++) {
        var n = perYear[links[k].getAttribute("data-year")] || 0, c = links[k].querySelector(".count");
        if (!c.hasAttribute("data-all")) c.setAttribute("data-all", c.textContent);
        c.textContent = c.getAttribute("data-all").replace(/[0-9][0-9,]*/, n.toLocaleString(docLang));
        links[k].hidden = n === 0;
      }
    }
    var groups = timeline.querySelectorAll(".month, .year");
    for (var g = 0; g < groups.length; g++) {
      groups[g].hidden = !groups[g].querySelector("article[data-e]:not([hidden])");
    }
    // while filtering, each year's heading on the home page counts what is left of it
    // ("3 of 56 events", "56 of 56 events")
    var heads = timeline.querySelectorAll("section.year .year-heading .count");
    for (var h = 0; h < heads.length; h++) {
      var section = heads[h].closest("section.year");   // id "y2025"
      var all = section.querySelectorAll("article[data-e]").length;
      if (!heads[h].hasAttribute("data-all")) heads[h].setAttribute("data-all", heads[h].textContent);
      heads[h].textContent = count(perYear[section.id.slice(1)] || 0, all, false);
    }
    results.hidden = true;
    timeline.hidden = false;
    return [shown, total];
  }

  // A group's heading, as the list pages give it (templating.month_label): "September
  // 2025", or a span's months, "Sep – Dec 2025" / "2025年9月–12月".
  function monthLabel(start, end) {
    var y1 = start.slice(0, 4), m1 = +start.slice(5, 7), y2 = end.slice(0, 4), m2 = +end.slice(5, 7);
    if (y1 === y2 && m1 === m2) return docLang === "zh" ? y1 + "年" + m1 + "月" : MONTHS[m1 - 1] + " " + y1;
    if (docLang === "zh") return y1 + "年" + m1 + "月–" + (y1 === y2 ? "" : y2 + "年") + m2 + "月";
    var a = MONTHS[m1 - 1].slice(0, 3), b = MONTHS[m2 - 1].slice(0, 3);
    return y1 === y2 ? a + " – " + b + " " + y1 : a + " " + y1 + " – " + b + " " + y2;
  }

  // Where an event goes, as on the list pages (Site.month_order): its first month, then
  // its last when that is later, so a month's own events come before the spans it begins.
  function monthKey(rec) {
    var first = rec[4].slice(0, 7), last = (rec[8] || rec[4]).slice(0, 7);
    return first === last ? first : first + last;
  }

  function el(name, attrs, text) {
    var node = document.createElement(name);
    for (var a in attrs) if (attrs[a] !== null && attrs[a] !== undefined) node.setAttribute(a, attrs[a]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function card(rec) {
    var c = meta.cats[rec[5]] || ["other", "", "#"];
    var art = el("article", { "class": "event cat-" + c[0], "data-e": rec[0], lang: rec[2] || null });
    var p = el("p", { "class": "meta" });
    // the date's machine-readable form holds no more precision than known (none across years)
    p.appendChild(rec[7] ? el("time", { datetime: rec[7] }, rec[3]) : el("span", { "class": "date" }, rec[3]));
    p.appendChild(document.createTextNode(" "));
    p.appendChild(el("a", { "class": "cat", href: c[2], lang: rec[2] ? document.documentElement.lang : null }, c[1]));
    art.appendChild(p);
    var h = el("h3");
    h.appendChild(el("a", { href: meta.events + rec[0] + "/" }, rec[1]));
    art.appendChild(h);
    return art;
  }

  // ------------------------------------------------------------ whole cards
  // The card of a result, as its year page shows it (null until that page is fetched).
  // The cards this page shows need no fetch.
  function wholeCard(seg) {
    if (!cards) {
      cards = {};
      var own = timeline ? timeline.querySelectorAll("article[data-e]") : [];
      for (var i = 0; i < own.length; i++) {
        var copy = own[i].cloneNode(true);
        copy.hidden = false;
        cards[own[i].getAttribute("data-e")] = copy;
      }
    }
    return cards[seg] || null;
  }

  // The address of the year page that shows a result (search.py: its year's URL, and
  // "page/<n>/" after it for a later page), or null for an index that does not say.
  function cardPage(rec) {
    var url = meta.yearURL[+rec[4].slice(0, 4)], p = rec[9];
    if (!url || !p) return null;
    return p > 1 ? url + "page/" + p + "/" : url;
  }

  // Fetch a year page once and keep its cards; a page that cannot be had leaves its
  // results with their titles.
  function loadCards(url) {
    if (cardPages[url]) return;
    cardPages[url] = "pending";
    fetchOK(url).then(function (r) { return r.text(); }).then(function (html) {
      var found = new DOMParser().parseFromString(html, "text/html").querySelectorAll("#timeline article[data-e]");
      for (var i = 0; i < found.length; i++) cards[found[i].getAttribute("data-e")] = found[i];
      cardPages[url] = "done";
      upgrade();
    }, function (err) {
      cardPages[url] = "failed";
      setBusy();
      if (window.console) console.warn(err);
    });
  }

  // A result drawn with its title asks for its year page once it is near the screen
  // (all at once in a browser without IntersectionObserver).
  var nearScreen = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      unseen.delete(entry.target);
      if (!entry.isIntersecting) return;
      nearScreen.unobserve(entry.target);
      loadCards(entry.target.getAttribute("data-card"));
    });
    setBusy();
  }, { rootMargin: "600px 0px" }) : null;

  // Each result whose whole card has come takes its place (the focus, on its title's
  // link, moves to the new card's).
  function upgrade() {
    var waiting = results.querySelectorAll("article[data-card]");
    for (var i = 0; i < waiting.length; i++) {
      var whole = wholeCard(waiting[i].getAttribute("data-e"));
      if (!whole) continue;
      var node = document.importNode(whole, true), focused = waiting[i].contains(document.activeElement);
      waiting[i].parentNode.replaceChild(node, waiting[i]);
      if (focused) node.querySelector("h3 a").focus();
    }
    setBusy();
  }

  // The form is busy while chunks of the index, or the whole cards of results near the
  // screen, are on their way.
  function setBusy() {
    var busy = chunksLoading;
    if (!results.hidden && !busy) {
      busy = unseen.size > 0;
      var waiting = results.querySelectorAll("article[data-card]");
      for (var i = 0; i < waiting.length && !busy; i++) busy = cardPages[waiting[i].getAttribute("data-card")] === "pending";
    }
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function applyResults(s, match, loading) {
    var hits = [];
    var need = neededChunks(s);
    for (var n = 0; n < need.length; n++) {
      var k = need[n], chunk = docs[k];
      if (!chunk) continue;
      for (var i = 0; i < chunk.length; i++) {
        if (match(chunk[i], texts[k] ? texts[k][i] : "")) hits.push(chunk[i]);
      }
    }
    if (timeline) timeline.hidden = true;
    var frag = document.createDocumentFragment(), section = null, month = null;
    var keys = hits.map(monthKey), order = hits.map(function (_, i) { return i; });
    order.sort(function (a, b) { return keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b; });
    order.slice(0, limit).forEach(function (i) {
      var rec = hits[i];
      if (keys[i] !== month) {
        month = keys[i];
        section = el("section", { "class": "month" });
        section.appendChild(el("h2", {}, monthLabel(rec[4], rec[8] || rec[4])));
        frag.appendChild(section);
      }
      var whole = wholeCard(rec[0]), url = whole ? null : cardPage(rec), node;
      if (whole) {
        node = document.importNode(whole, true);
      } else {
        node = card(rec);
        if (url && cardPages[url] !== "done" && cardPages[url] !== "failed") node.setAttribute("data-card", url);
      }
      section.appendChild(node);
    });
    if (hits.length > limit) {
      var more = el("button", { type: "button", "class": "more" }, t("more"));
      more.addEventListener("click", function () {
        limit += PAGE;
        render();
        var cards = results.querySelectorAll("article h3 a");
        if (cards[limit - PAGE]) cards[limit - PAGE].focus();
      });
      frag.appendChild(more);
    }
    if (nearScreen) nearScreen.disconnect();
    results.textContent = "";
    results.appendChild(frag);
    results.hidden = false;
    var titled = results.querySelectorAll("article[data-card]");
    unseen = new Set(nearScreen ? titled : []);
    for (var w = 0; w < titled.length; w++) {
      if (nearScreen) nearScreen.observe(titled[w]); else loadCards(titled[w].getAttribute("data-card"));
    }
    var total = 0;
    need.forEach(function (k) { total += meta.chunks[k].n; });
    return [hits.length, s.year ? countYear(s.year, total) : meta.total];
  }

  function countYear(y, fallback) {
    var years = meta.years || [];
    for (var i = 0; i < years.length; i++) if (String(years[i][0]) === y) return years[i][1];
    return fallback;
  }

  var queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; render(); });
  }

  // The other language's twin page takes the same filters: its link keeps them.
  var langLinks = Array.prototype.slice.call(document.querySelectorAll(".lang-switch a[href]"));
  var langHrefs = langLinks.map(function (a) { return a.getAttribute("href").split("?")[0]; });
  function keepFiltersInLangLinks() {
    langLinks.forEach(function (a, i) { a.setAttribute("href", langHrefs[i] + location.search); });
  }

  function render() {
    keepFiltersInLangLinks();
    var s = readForm();
    if (isScope(s)) { restore(); return; }
    if (!meta) {
      var gen = ++generation;
      showStatus(t("loading"));
      loadMeta().then(function () { if (gen === generation) render(); },
        function () { showStatus(t("error")); });
      return;
    }
    var need = neededChunks(s), loading = false;
    need.forEach(function (k) {
      if (!docs[k]) { load("docs", k); loading = true; }
      if (s.q && !texts[k]) { load("text", k); loading = true; }
    });
    var match = matcher(s);
    // the page holds every event of its scope: all of them on the home page, one year's on a year page
    var inPlace = complete && (!scopeYear || s.year === scopeYear);
    var r = inPlace ? applyInPlace(s, match) : applyResults(s, match, loading);
    showStatus(count(r[0], r[1], loading));
    chunksLoading = loading;
    setBusy();
  }

  // ------------------------------------------------------------ events
  // On a year page, choosing another year (or all years) goes to that year's page (or the
  // home page) with the same filters, whose heading, counts and pages are that year's; so
  // does an address with another year's ?year= (replace: the back button skips it).
  // (false when this page's address is not a year page's: nothing to go from)
  function goToYear(s, replace) {
    var path = location.pathname, at = path.lastIndexOf("/years/" + scopeYear + "/");
    if (at < 0) return false;
    var url = path.slice(0, at + 1) + (s.year ? "years/" + s.year + "/" : "") + queryOf(s, s.year);
    if (replace) location.replace(url); else location.assign(url);
    return true;
  }

  function changed(push) {
    var s = readForm();
    limit = PAGE;
    var url = toURL(s);
    if (url !== location.pathname + location.search) {
      history[push ? "pushState" : "replaceState"]({ timeline: s }, "", url);
    }
    render();
  }

  q.addEventListener("input", function () {
    var now = Date.now();
    changed(now - typing > 1500);  // the first key of a burst makes a history entry
    typing = now;
  });
  q.addEventListener("blur", function () { typing = 0; });
  [cat, tag, year].forEach(function (sel) {
    sel.addEventListener("change", function () {
      typing = 0;
      if (!(sel === year && scopeYear && year.value !== scopeYear && goToYear(readForm()))) changed(true);
    });
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); typing = 0; changed(false); });
  form.addEventListener("reset", function (ev) {
    ev.preventDefault();
    writeForm({ q: "", cat: "", tag: "", year: scopeYear });
    typing = 0;
    changed(true);
    q.focus();
  });
  // warm the index as soon as the reader reaches for the form
  ["focusin", "pointerenter"].forEach(function (name) {
    form.addEventListener(name, function () { loadMeta().catch(function () {}); }, { once: true });
  });
  window.addEventListener("popstate", function () {
    writeForm(readURL());
    limit = PAGE;
    render();
  });
  document.addEventListener("keydown", function (ev) {
    var target = ev.target, tagName = target && target.tagName;
    if (ev.key === "/" && !ev.ctrlKey && !ev.metaKey && !ev.altKey &&
        tagName !== "INPUT" && tagName !== "SELECT" && tagName !== "TEXTAREA" && !target.isContentEditable) {
      ev.preventDefault();
      q.focus();
    }
  });

  form.hidden = false;
  var start = readURL();
  writeForm(start);
  if (scopeYear && year.value !== start.year) setSelect(year, scopeYear);  // a year the site lacks
  if (scopeYear && year.value !== scopeYear && goToYear(readForm(), true)) return;
  if (!isScope(readForm())) render();
})();
