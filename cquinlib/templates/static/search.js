/* Search page: queries a static export of the site's whoosh index, fetching only the shards a query needs,
   and scores with whoosh's BM25F from the exported term frequencies and field lengths.
   No dependencies and no build step. Text from the index only ever reaches the page as text nodes
   (textContent, createTextNode): contributed text can never become markup or script. */
(function () {
  "use strict";

  var root = document.getElementById("search");
  if (!root) { return; }
  var BASE = root.getAttribute("data-base");            /* e.g. "/search/" or "/cquin/search/" */
  var SITE = BASE.replace(/search\/$/, "");              /* the site's own root */
  var PAGE = 10;                                          /* results shown at a time */
  var MAX_COMPLETIONS = 12;                               /* stems a prefix may expand to, most frequent first */
  var MAX_RANGE_SHARDS = 4;                               /* vocabulary shards a prefix or a suggestion may read */
  var COMPLETION_WEIGHT = 0.5;                            /* a completed word counts half as much as the typed one */
  var FACETS = [["year", "Financial year", "All years"], ["region", "Region", "All regions"],
                ["type", "Provider type", "All provider types"], ["topic", "Topic", "All topics"],
                ["domain", "Quality domain", "All quality domains"]];
  var WORD = /[\p{L}\p{N}_]+(?:\.?[\p{L}\p{N}_]+)*/gu;  /* whoosh's \w+(\.?\w+)* with Python's Unicode \w */
  var FIELD = /(^|\s)(year|region|type|topic|domain):(\S+)/g;

  var input = document.getElementById("search-q");
  var facetBox = document.getElementById("search-facets");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var suggest = document.getElementById("search-suggest");
  var list = document.getElementById("search-list");
  var more = document.getElementById("search-more");

  var files = new Map();      /* url -> promise of parsed JSON */
  var postings = new Map();   /* stem -> promise of {docs, scores} */
  var state = {seq: 0, matches: [], shown: 0, terms: null, filters: {}};

  /* ---- fetching ---- */

  function fetchJSON(name) {
    if (!files.has(name)) {
      files.set(name, fetch(BASE + name).then(function (response) {
        if (!response.ok) { throw new Error(name + ": HTTP " + response.status); }
        return response.arrayBuffer();
      }).then(inflate).then(JSON.parse));
    }
    return files.get(name);
  }

  /* Shards are gzip files; a host that already sent them decompressed (Content-Encoding) gives plain JSON. */
  function inflate(buffer) {
    var bytes = new Uint8Array(buffer);
    if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
      return new TextDecoder().decode(bytes);
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  function manifest() { return fetchJSON("m.json"); }
  function facetTable() { return fetchJSON("f.gz"); }

  /* ---- the vocabulary: surface words seen in the corpus, with the stems whoosh gave them ----
     Shards are runs of the sorted vocabulary (postings files are runs of sorted stems); the manifest lists
     each one's first key and file name. (JavaScript compares UTF-16 units and Python code points: the
     orders differ only past U+FFFF.) */

  function runOf(runs, key) {
    var lo = 0, hi = runs.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (runs[mid][0] <= key) { lo = mid; } else { hi = mid - 1; }
    }
    return lo;
  }

  function shardOf(m, word) { return runOf(m.vocab, word); }

  function shardRange(m, prefix) {
    var first = shardOf(m, prefix), last = shardOf(m, prefix + "\uffff");
    return {first: first, last: Math.min(last, first + MAX_RANGE_SHARDS - 1)};
  }

  /* A library with nothing listed has no vocabulary files: every word is then simply unknown. */
  function vocabShard(m, n) {
    return m.vocab[n] ? fetchJSON("v/" + m.vocab[n][1] + ".gz") : Promise.resolve({w: [], s: [], n: []});
  }

  function lowerBound(words, word) {
    var lo = 0, hi = words.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (words[mid] < word) { lo = mid + 1; } else { hi = mid; }
    }
    return lo;
  }

  function stemOf(word, code) {
    if (!code) { return word; }
    if (code.charAt(0) === "=") { return code.slice(1); }
    var digits = /^\d+/.exec(code)[0];
    return word.slice(0, word.length - Number(digits)) + code.slice(digits.length);
  }

  function entry(shard, i) {
    return {word: shard.w[i], stem: stemOf(shard.w[i], shard.s[i]), df: shard.n[i]};
  }

  async function lookup(m, word) {
    var shard = await vocabShard(m, shardOf(m, word));
    var i = lowerBound(shard.w, word);
    return shard.w[i] === word ? entry(shard, i) : null;
  }

  async function completions(m, prefix) {
    var range = shardRange(m, prefix), found = [];
    for (var n = range.first; n <= range.last; n++) {
      var shard = await vocabShard(m, n);
      for (var i = lowerBound(shard.w, prefix); i < shard.w.length && shard.w[i].startsWith(prefix); i++) {
        found.push(entry(shard, i));
      }
    }
    return found;
  }

  /* ---- postings: per stem and text field, document ids and term frequencies ---- */

  /* whoosh's scoring.bm25, with its BM25FScorer's inverse document frequency: log(N / (df + 1)) + 1. */
  function bm25(idf, tf, fl, avgfl, b, k1) {
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)));
  }

  /* A stem's score in each document holding it: whoosh's BM25F score in each text field (from the term's
     frequency and the document's field length, both in the postings), summed over the fields as whoosh's Or
     query over them sums it, plus the score of each topic whose name holds the stem (labels). */
  function scoreStem(m, rows, labelled) {
    var total = labelled || new Map();
    rows.forEach(function (row) {
      var field = m.fields[row[0]], gaps = row[1], freqs = row[2], lengths = row[3], doc = 0;
      var idf = Math.log(m.n / (gaps.length + 1)) + 1;
      for (var i = 0; i < gaps.length; i++) {
        doc += gaps[i];
        var s = bm25(idf, freqs[i] * field[1], lengths[i], field[2], m.b, m.k1);
        total.set(doc, (total.get(doc) || 0) + s);
      }
    });
    var docs = Array.from(total.keys()).sort(function (a, b) { return a - b; });
    return {docs: docs, scores: docs.map(function (d) { return total.get(d); })};
  }

  /* Topic names are not in the documents: a stem of a topic's name matches the schemes filed under the topic,
     scored as whoosh scores a term of its labels field (each document holds each of its topics once). */
  function labelScores(m, facets, slugs) {
    var topic = facets.byKey.topic, scores = new Map();
    slugs.forEach(function (slug) {
      var at = topic.v.indexOf(slug);
      if (at < 0) { return; }
      var code = String.fromCharCode(48 + at), holders = [];
      facets.docs.forEach(function (slot, i) { if (topic.c[i].indexOf(code) >= 0) { holders.push([slot, topic.c[i].length]); } });
      var idf = Math.log(m.n / (holders.length + 1)) + 1;
      holders.forEach(function (h) {
        var s = bm25(idf, m.lb[0], m.ql[h[1]], m.lb[1], m.b, m.k1);
        scores.set(h[0], (scores.get(h[0]) || 0) + s);
      });
    });
    return scores;
  }

  function labelsOf(m, stem) {
    return m.labels && Object.prototype.hasOwnProperty.call(m.labels, stem) ? m.labels[stem] : [];
  }

  function postingsOf(m, stem) {
    if (!postings.has(stem)) {
      var rows = m.post.length ? fetchJSON("p/" + m.post[runOf(m.post, stem)][1] + ".gz")
        .then(function (shard) { return Object.prototype.hasOwnProperty.call(shard, stem) ? shard[stem] : []; })
        : Promise.resolve([]);
      var slugs = labelsOf(m, stem);
      var labelled = slugs.length ? facetTable().then(function (table) { return labelScores(m, facetIndex(table), slugs); })
        : Promise.resolve(null);
      postings.set(stem, Promise.all([rows, labelled]).then(function (both) { return scoreStem(m, both[0], both[1]); }));
    }
    return postings.get(stem);
  }

  /* ---- queries ---- */

  function parseQuery(text, m) {
    var filters = {};
    var rest = text.replace(FIELD, function (all, space, key, value) { filters[key] = value; return space; });
    var words = (rest.match(WORD) || []).map(function (w) { return w.toLowerCase(); });
    var open = words.length > 0 && /[\p{L}\p{N}_]$/u.test(rest);
    var stops = new Set(m.stop);
    var clauses = words.map(function (word, i) {
      return {word: word, prefix: open && i === words.length - 1};
    }).filter(function (c) { return c.prefix || (c.word.length >= m.min && !stops.has(c.word)); });
    return {clauses: clauses, filters: filters, stops: stops};
  }

  /* Each clause becomes weighted stems: the typed word's own stem, plus completions of an unfinished last word. */
  async function resolve(m, query) {
    return Promise.all(query.clauses.map(async function (clause) {
      var stems = new Map(), exact = null;
      if (clause.word.length >= m.min && !query.stops.has(clause.word)) { exact = await lookup(m, clause.word); }
      if (exact) { stems.set(exact.stem, {weight: 1}); }
      if (clause.prefix && clause.word.length >= m.min) {
        var more = (await completions(m, clause.word)).filter(function (e) { return !stems.has(e.stem); });
        more.sort(function (a, b) { return b.df - a.df || (a.word < b.word ? -1 : 1); });
        more.forEach(function (e) {
          if (stems.size < MAX_COMPLETIONS && !stems.has(e.stem)) {
            stems.set(e.stem, {weight: COMPLETION_WEIGHT});
          }
        });
      }
      var skip = stems.size === 0 && clause.prefix && (clause.word.length < m.min || query.stops.has(clause.word));
      return {word: clause.word, prefix: clause.prefix, stems: stems, skip: skip};
    }));
  }

  async function scoreClause(m, clause) {
    var scores = new Map();
    for (var [stem, info] of clause.stems) {
      var p = await postingsOf(m, stem);
      for (var i = 0; i < p.docs.length; i++) {
        var s = p.scores[i] * info.weight, d = p.docs[i];
        if (!(scores.get(d) >= s)) { scores.set(d, s); }
      }
    }
    return scores;
  }

  /* Every clause must match (whoosh's AND); scores add up, as whoosh's And query adds them. */
  async function rank(m, terms) {
    var maps = await Promise.all(terms.map(function (t) { return scoreClause(m, t); }));
    maps.sort(function (a, b) { return a.size - b.size; });
    var out = [];
    maps[0].forEach(function (score, doc) {
      for (var k = 1; k < maps.length; k++) {
        var other = maps[k].get(doc);
        if (other === undefined) { return; }
        score += other;
      }
      out.push([doc, score]);
    });
    return out;
  }

  function byScore(a, b) { return b[1] - a[1] || a[0] - b[0]; }

  /* ---- facets ---- */

  /* Documents are numbered by slot; the table lists their slots in id order, its columns in the same order. */
  function facetIndex(table) {
    var byKey = {}, at = new Map();
    table.f.forEach(function (f) { byKey[f.k] = f; });
    table.d.forEach(function (slot, i) { at.set(slot, i); });
    return {byKey: byKey, at: at, docs: table.d};
  }

  function filterCode(facet, value) {
    var wanted = String(value).toLowerCase();
    for (var i = 0; i < facet.v.length; i++) {
      if (facet.v[i].toLowerCase() === wanted || facet.l[i].toLowerCase() === wanted) { return String.fromCharCode(48 + i); }
    }
    return null;
  }

  function passes(facets, filters, doc, except) {
    for (var key in filters) {
      if (key === except || !filters[key]) { continue; }
      var code = filterCode(facets.byKey[key], filters[key]);
      if (code === null || facets.byKey[key].c[facets.at.get(doc)].indexOf(code) < 0) { return false; }
    }
    return true;
  }

  function renderFacets(facets, matches, filters) {
    facetBox.textContent = "";
    FACETS.forEach(function (spec) {
      var facet = facets.byKey[spec[0]], counts = new Array(facet.v.length).fill(0), total = 0;
      matches.forEach(function (match) {
        if (!passes(facets, filters, match[0], spec[0])) { return; }
        total++;
        var codes = facet.c[facets.at.get(match[0])];
        for (var i = 0; i < codes.length; i++) { counts[codes.charCodeAt(i) - 48]++; }
      });
      var id = "facet-" + spec[0], wrap = document.createElement("div"), label = document.createElement("label");
      var select = document.createElement("select");
      wrap.className = "facet";
      label.htmlFor = id;
      label.textContent = spec[1];
      select.id = id;
      select.name = spec[0];
      select.appendChild(option("", spec[2] + " (" + total + ")"));
      var chosen = filters[spec[0]] ? filterCode(facet, filters[spec[0]]) : null;
      facet.v.forEach(function (value, i) {
        var code = String.fromCharCode(48 + i);
        if (counts[i] > 0 || code === chosen) { select.appendChild(option(value, facet.l[i] + " (" + counts[i] + ")")); }
      });
      select.value = chosen === null ? "" : facet.v[chosen.charCodeAt(0) - 48];
      select.addEventListener("change", function () {
        state.filters[spec[0]] = select.value;
        run();
      });
      wrap.appendChild(label);
      wrap.appendChild(select);
      facetBox.appendChild(wrap);
    });
    facetBox.hidden = false;
  }

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  /* ---- did you mean ---- */

  function distance(a, b) {
    var prev2 = null, prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) { prev.push(j); }
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost));
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          cur[j] = Math.min(cur[j], prev2[j - 2] + 1);
        }
      }
      prev2 = prev;
      prev = cur;
    }
    return prev[b.length];
  }

  /* Candidates share the first letter and sit in the word's own vocabulary shard or its neighbours. */
  async function correction(m, word) {
    var limit = word.length <= 4 ? 1 : 2, best = null, at = shardOf(m, word);
    var first = Math.max(shardOf(m, word.charAt(0)), at - 1), last = Math.min(shardOf(m, word.charAt(0) + "\uffff"), at + 1);
    for (var n = first; n <= last; n++) {
      var shard = await vocabShard(m, n);
      for (var i = 0; i < shard.w.length; i++) {
        var w = shard.w[i];
        if (Math.abs(w.length - word.length) > limit || w.charAt(0) !== word.charAt(0)) { continue; }
        var d = distance(word, w);
        if (d <= limit && (!best || d < best.d || (d === best.d && (shard.n[i] > best.df || (shard.n[i] === best.df && w < best.word))))) {
          best = {word: w, d: d, df: shard.n[i]};
        }
      }
    }
    return best && best.word;
  }

  async function didYouMean(m, text, terms) {
    var fixed = text;
    for (var t of terms) {
      if (t.stems.size || t.skip) { continue; }
      var better = await correction(m, t.word);
      if (!better) { return null; }
      fixed = fixed.replace(new RegExp("(^|[^\\p{L}\\p{N}_])" + escapeRegExp(t.word) + "(?![\\p{L}\\p{N}_])", "iu"),
                            function (all, before) { return before + better; });
    }
    if (fixed === text) { return null; }
    var query = parseQuery(fixed.trim() + " ", m), again = await resolve(m, query);
    if (!again.length || again.some(function (t) { return !t.stems.size; })) { return null; }
    return (await rank(m, again.filter(function (t) { return !t.skip; }))).length ? fixed.trim() : null;
  }

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* ---- showing results ---- */

  function highlight(text, terms) {
    var out = document.createDocumentFragment(), at = 0, found = 0;
    text.replace(WORD, function (token, offset) {
      if (matchesQuery(token.toLowerCase(), terms)) {
        out.appendChild(document.createTextNode(text.slice(at, offset)));
        var mark = document.createElement("mark");
        mark.textContent = token;
        out.appendChild(mark);
        at = offset + token.length;
        found++;
      }
      return token;
    });
    out.appendChild(document.createTextNode(text.slice(at)));
    return {node: out, found: found};
  }

  /* A word of a title or goal matches when the vocabulary gives it a query stem, or it starts with one. */
  function matchesQuery(word, terms) {
    return terms.some(function (t) {
      if (t.prefix && word.startsWith(t.word)) { return true; }
      for (var stem of t.stems.keys()) {
        if (word === stem || word.startsWith(stem)) { return true; }
      }
      return false;
    });
  }

  function resultItem(card, terms) {
    var li = document.createElement("li"), heading = document.createElement("h2"), link = document.createElement("a");
    li.className = "result";
    link.href = SITE + "schemes/" + card.i + "/";
    link.appendChild(highlight(card.t, terms).node);
    heading.appendChild(link);
    li.appendChild(heading);
    var meta = document.createElement("p");
    meta.className = "result-meta";
    meta.textContent = [card.y, card.r, card.p, card.o].concat(card.l).join(" · ");
    li.appendChild(meta);
    var best = null;
    card.g.forEach(function (goal) {
      var h = highlight(goal[1], terms);
      if (h.found > 0 && (!best || h.found > best.found)) { best = {goal: goal, found: h.found, node: h.node}; }
    });
    if (best) {
      var p = document.createElement("p");
      p.className = "result-goal";
      p.appendChild(document.createTextNode("Goal " + best.goal[0] + ": "));
      p.appendChild(best.node);
      li.appendChild(p);
    }
    return li;
  }

  async function cardsFor(matches) {
    var m = await manifest();
    return Promise.all(matches.map(async function (match) {
      return (await fetchJSON("d/" + Math.floor(match[0] / m.pack) + ".gz"))[match[0] % m.pack];
    }));
  }

  function append(cards) {
    cards.forEach(function (card) { list.appendChild(resultItem(card, state.terms)); });
    state.shown += cards.length;
    more.hidden = state.shown >= state.matches.length;
  }

  function showMore() {
    var seq = state.seq;
    cardsFor(state.matches.slice(state.shown, state.shown + PAGE)).then(function (cards) {
      if (seq === state.seq) { append(cards); }
    }).catch(failed(seq));
  }

  function say(text) { status.textContent = text; }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* ---- the URL ---- */

  function readURL() {
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    FACETS.forEach(function (spec) { state.filters[spec[0]] = params.get(spec[0]) || ""; });
  }

  function writeURL() {
    var params = new URLSearchParams();
    if (input.value) { params.set("q", input.value); }
    FACETS.forEach(function (spec) { if (state.filters[spec[0]]) { params.set(spec[0], state.filters[spec[0]]); } });
    var search = params.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
  }

  /* ---- one search ---- */

  async function run() {
    var seq = ++state.seq, text = input.value;
    writeURL();
    results.setAttribute("aria-busy", "true");
    try {
      var m = await manifest(), query = parseQuery(text, m);
      var filters = Object.assign({}, state.filters, query.filters);
      var active = Object.keys(filters).some(function (k) { return filters[k]; });
      var terms = (await resolve(m, query)).filter(function (t) { return !t.skip; });
      var missing = terms.filter(function (t) { return !t.stems.size; });
      var facets = active ? facetIndex(await facetTable()) : null;
      var matches;
      if (!terms.length) {
        matches = active ? allDocs(facets) : [];
      } else {
        matches = missing.length ? [] : await rank(m, terms);
      }
      if (seq !== state.seq) { return; }
      var filtered = facets ? matches.filter(function (x) { return passes(facets, filters, x[0]); }) : matches;
      /* Filters alone list schemes newest first: by id, descending, which the facet table's order gives. */
      filtered.sort(terms.length ? byScore : function (a, b) { return facets.at.get(b[0]) - facets.at.get(a[0]); });
      var cards = await cardsFor(filtered.slice(0, PAGE));
      if (seq !== state.seq) { return; }
      /* The list and the status change together, once the cards are here, so nothing flickers. */
      state.matches = filtered;
      state.shown = 0;
      state.terms = terms;
      list.textContent = "";
      suggest.hidden = true;
      suggest.textContent = "";
      append(cards);
      if (!terms.length && !active) {
        say(text.trim() ? "Type a word that is not as common as ‘" + text.trim() + "’." : "Type words to search, or choose a filter.");
      } else {
        say(filtered.length ? plural(filtered.length, "scheme matches", "schemes match") + describe(text, active) + "."
                            : "No scheme matches" + describe(text, active) + ".");
      }
      if (!filtered.length && missing.length) { offerCorrection(m, text, terms, seq).catch(failed(seq)); }
      loadFacets(matches, filters, seq).catch(failed(seq));
    } catch (error) {
      failed(seq)(error);
    } finally {
      if (seq === state.seq) { results.setAttribute("aria-busy", "false"); }
    }
  }

  function failed(seq) {
    return function (error) {
      if (seq === state.seq) { say("Search is not available right now (" + error.message + "). Browse the lists below instead."); }
    };
  }

  function describe(text, active) {
    var words = text.trim() ? " ‘" + text.trim() + "’" : "";
    return words + (active ? (words ? " with the chosen filters" : " the chosen filters") : "");
  }

  function allDocs(facets) {
    return facets.docs.map(function (slot) { return [slot, 0]; });
  }

  async function offerCorrection(m, text, terms, seq) {
    var fixed = await didYouMean(m, text, terms);
    if (!fixed || seq !== state.seq) { return; }
    suggest.textContent = "";
    suggest.appendChild(document.createTextNode("Did you mean "));
    var link = document.createElement("a"), params = new URLSearchParams(window.location.search);
    params.set("q", fixed);
    link.href = "?" + params.toString();
    link.textContent = fixed;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      input.value = fixed;
      run();
      input.focus();
    });
    suggest.appendChild(link);
    suggest.appendChild(document.createTextNode("?"));
    suggest.hidden = false;
  }

  /* Facet counts come after the first results, so a plain query never waits for them. */
  async function loadFacets(matches, filters, seq) {
    var pool = matches.length || input.value.trim() ? matches : null;
    var facets = facetIndex(await facetTable());
    if (seq !== state.seq) { return; }
    renderFacets(facets, pool || allDocs(facets), filters);
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  root.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  more.addEventListener("click", showMore);

  if (!("DecompressionStream" in window)) {
    say("Search needs a newer browser. Browse the lists below instead.");
    return;
  }
  readURL();
  run();
})();
