/* Search page: queries a static export of the site's search statistics, fetching only the files a query needs,
   and scores with whoosh's BM25F from the exported term frequencies and field lengths.
   The query language and the engine are cquinlib/search/grammar.py and cquinlib/search/engine.py, step for
   step (the command line runs those on the same files): keep the two in step, loop for loop, so that both
   return the same schemes in the same order. Words are stemmed by stem.js (whoosh's Snowball stemmer).
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
  var MAX_RANGE_SHARDS = 4;                               /* vocabulary shards a prefix may read */
  var COMPLETION_WEIGHT = 0.5;                            /* a completed word counts half as much as a typed one */
  var QUANTUM = 1e6;                                      /* scores are compared to six decimals */
  var LABEL_KEYS = ["topic", "region", "type", "year"];
  var LABEL_BITS = {topic: 3, region: 5, type: 6, year: 7};
  var FIELDS = ["year", "region", "type", "topic", "domain", "national", "framework", "illustrative"];
  var FACETS = [["year", "Financial year", "All years"], ["region", "Region", "All regions"],
                ["type", "Provider type", "All provider types"], ["topic", "Topic", "All topics"],
                ["domain", "Quality domain", "All quality domains"],
                ["illustrative", "Real or illustrative", "Real and illustrative"],
                ["framework", "Framework", "All frameworks"]];
  var PLACES = ["the title", "the provider", "the commissioners", "a goal or its topic", "the scheme's other text", "its region",
                "its provider type", "its year"];
  var WORD = /[\p{L}\p{N}_]+(?:[.&]?[\p{L}\p{N}_]+)*/gu;  /* analysis.WORD_PATTERN with Python's Unicode \w */
  var stem = window.cquinStem;

  var input = document.getElementById("search-q");
  var facetBox = document.getElementById("search-facets");
  var filterBox = document.getElementById("search-filters");
  var status = document.getElementById("search-status");
  var suggest = document.getElementById("search-suggest");
  var list = document.getElementById("search-list");
  var more = document.getElementById("search-more");

  var files = new Map();      /* url -> promise of parsed JSON */
  var state = {seq: 0, matches: [], shown: 0, stems: [], filters: {}, typed: false, selects: {}};

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

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  /* ---- the grammar (search/grammar.py) ---- */

  function isSpace(ch) { return ch !== "" && " \t\n\r\f\v\u00a0".indexOf(ch) >= 0; }  /* grammar.SPACES */

  function rawItems(text) {
    var items = [], i = 0, n = text.length;
    while (i < n) {
      if (isSpace(text[i])) { i++; continue; }
      var negated = false;
      if (text[i] === "-" && i + 1 < n && !isSpace(text[i + 1])) { negated = true; i++; }
      if (text[i] === '"') {
        var close = text.indexOf('"', i + 1), end = close < 0 ? n : close;
        items.push(["phrase", text.slice(i + 1, end), i + 1, negated]);
        i = end + 1;
        continue;
      }
      var start = i;
      while (i < n && !isSpace(text[i])) { i++; }
      var raw = text.slice(start, i), field = /^([A-Za-z]+):([\s\S]*)$/.exec(raw);
      var known = field && FIELDS.indexOf(field[1].toLowerCase()) >= 0;
      if (known && field[2].startsWith('"')) {
        var shut = text.indexOf('"', start + field[1].length + 2);
        i = shut < 0 ? n : shut + 1;
        raw = text.slice(start, i);
      }
      if ((raw === "OR" || raw === "NOT") && !negated) { items.push([raw.toLowerCase(), raw, start, false]); }
      else if (known) { items.push(["field", raw, start, negated]); }
      else { items.push(["word", raw, start, negated]); }
    }
    return items;
  }

  function tokensOf(raw, start) {
    var out = [];
    for (var match of raw.matchAll(WORD)) {
      out.push({text: match[0].toLowerCase(), start: start + match.index, end: start + match.index + match[0].length});
    }
    return out;
  }

  function parse(text, m) {
    var stops = new Set(m.stop), items = rawItems(text), atoms = [];
    var kept = function (t) { return t.text.length >= m.min && !stops.has(t.text); };
    var pendingNot = false, joined = false, dropped = false;
    items.forEach(function (item, index) {
      var kind = item[0], raw = item[1], start = item[2], negated = item[3], atom;
      if (kind === "not") { pendingNot = true; return; }
      if (kind === "or") { joined = atoms.length > 0; return; }
      negated = negated || pendingNot;
      pendingNot = false;
      if (kind === "field") {
        var colon = raw.indexOf(":"), value = raw.slice(colon + 1).replace(/^"+|"+$/g, "").trim().toLowerCase();
        atom = {kind: "field", tokens: [], field: raw.slice(0, colon).toLowerCase(), value: value, negated: negated, open: false};
      } else {
        var found = tokensOf(raw, start);
        var last = index === items.length - 1 && kind === "word" && found.length === 1 && !negated && found[0].end === text.length;
        var words = found.filter(function (t) { return kept(t) || last; });
        if (!words.length) { dropped = dropped || found.length > 0; joined = false; return; }
        atom = {kind: kind === "phrase" || words.length > 1 ? "phrase" : "words", tokens: words, negated: negated, open: last};
      }
      atoms.push([atom, joined && !negated && !atoms[atoms.length - 1][0].negated]);
      joined = false;
    });
    var clauses = [], negatives = [];
    atoms.forEach(function (pair) {
      if (pair[0].negated) { negatives.push(pair[0]); }
      else if (pair[1] && clauses.length) { clauses[clauses.length - 1].push(pair[0]); }
      else { clauses.push([pair[0]]); }
    });
    return {clauses: clauses, negated: negatives, dropped: dropped, kept: kept};
  }

  /* ---- the engine (search/engine.py) ---- */

  /* whoosh's scoring.bm25, with its BM25FScorer's inverse document frequency: log(N / (df + 1)) + 1. */
  function bm25(idf, tf, fl, avgfl, b, k1) {
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)));
  }

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

  function runOf(runs, key) {
    var lo = 0, hi = runs.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (runs[mid][0] <= key) { lo = mid; } else { hi = mid - 1; }
    }
    return lo;
  }

  function stemOf(word, code) {
    if (!code) { return word; }
    if (code.charAt(0) === "=") { return code.slice(1); }
    var digits = /^\d*/.exec(code)[0];
    return word.slice(0, word.length - Number(digits)) + code.slice(digits.length);
  }

  function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function Engine(m) {
    this.m = m;
    // Real schemes rank before worked examples where all else is equal (engine.py does the same).
    var slots = new Set(), slot = 0;
    m.kind[1].forEach(function (gap) { slot += gap; slots.add(slot); });
    this.example = m.kind[0] ? function (d) { return slots.has(d) ? 0 : 1; } : function (d) { return slots.has(d) ? 1 : 0; };
    this.terms = new Map();
    this.synonyms = new Map();
    var self = this;
    m.syn.forEach(function (group) { group.forEach(function (member) { self.synonyms.set(member.join(" "), group); }); });
  }

  Engine.prototype.facets = async function () {
    if (!this.table) {
      var raw = await fetchJSON("f.gz"), by = {}, at = new Map();
      raw.f.forEach(function (f) { by[f.k] = f; });
      raw.d.forEach(function (slot, i) { at.set(slot, i); });
      this.table = {by: by, at: at, docs: raw.d};
    }
    return this.table;
  };

  Engine.prototype.vocab = function (n) {
    var runs = this.m.vocab;
    return n < runs.length ? fetchJSON("v/" + runs[n][1] + ".gz") : Promise.resolve({w: [], s: [], n: []});
  };

  Engine.prototype.term = function (s) {
    if (!this.terms.has(s)) { this.terms.set(s, this.makeTerm(s)); }
    return this.terms.get(s);
  };

  Engine.prototype.makeTerm = async function (s) {
    var m = this.m, found = new Map(), rows = [];
    if (m.post.length) {
      var shard = await fetchJSON("p/" + m.post[runOf(m.post, s)][1] + ".gz");
      rows = has(shard, s) ? shard[s] : [];
    }
    rows.forEach(function (row) {
      var field = m.fields[row[0]], gaps = row[1], freqs = row[2], lengths = row[3], doc = 0;
      var idf = Math.log(m.n / (gaps.length + 1)) + 1;
      for (var i = 0; i < gaps.length; i++) {
        doc += gaps[i];
        var at = found.get(doc);
        if (!at) { at = [0, 0]; found.set(doc, at); }
        at[0] += bm25(idf, freqs[i] * field[1], lengths[i], field[2], m.b, m.k1);
        at[1] |= 1 << row[0];
      }
    });
    for (var key of LABEL_KEYS) {
      var values = has(m.lab[key], s) ? m.lab[key][s] : [];
      if (values.length) {
        var tables = await Promise.all(values.map(function (v) { return fetchJSON("l/" + key + "/" + v + ".gz"); }));
        this.labels(key, values, found, tables);
      }
    }
    return found;
  };

  /* A stem of some values' names: the documents holding those values (l/KEY/VALUE.gz, one table per value),
     scored as whoosh scores a keyword field. */
  Engine.prototype.labels = function (key, values, found, tables) {
    var m = this.m, boost = m.lb[key][0], average = m.lb[key][1];
    values.forEach(function (value, n) {
      var table = tables[n], holders = [], slot = 0;
      for (var i = 0; i < table.g.length; i++) { slot += table.g[i]; holders.push([slot, table.q[i]]); }
      var idf = Math.log(m.n / (holders.length + 1)) + 1;
      holders.forEach(function (h) {
        var at = found.get(h[0]);
        if (!at) { at = [0, 0]; found.set(h[0], at); }
        at[0] += bm25(idf, boost, m.ql[h[1]], average, m.b, m.k1);
        at[1] |= 1 << LABEL_BITS[key];
      });
    });
  };

  Engine.prototype.completions = async function (prefix) {
    var runs = this.m.vocab, first = runs.length ? runOf(runs, prefix) : 0;
    var last = Math.min(runs.length ? runOf(runs, prefix + "\uffff") : 0, first + MAX_RANGE_SHARDS - 1), found = [];
    for (var n = first; n <= last; n++) {
      var shard = await this.vocab(n);
      for (var i = 0; i < shard.w.length; i++) {
        if (shard.w[i].startsWith(prefix)) { found.push([shard.n[i], shard.w[i], stemOf(shard.w[i], shard.s[i])]); }
      }
    }
    found.sort(function (a, b) { return b[0] - a[0] || compare(a[1], b[1]) || compare(a[2], b[2]); });
    var stems = [];
    found.forEach(function (f) { if (stems.indexOf(f[2]) < 0 && stems.length < MAX_COMPLETIONS) { stems.push(f[2]); } });
    return stems;
  };

  Engine.prototype.correction = async function (word) {
    var runs = this.m.vocab, limit = word.length <= 4 ? 1 : 2, best = null, typed = stem(word);
    if (!runs.length) { return null; }
    var first = runOf(runs, word[0]), last = runOf(runs, word[0] + "\uffff");
    for (var n = first; n <= last; n++) {
      var shard = await this.vocab(n);
      for (var i = 0; i < shard.w.length; i++) {
        var w = shard.w[i];
        if (Math.abs(w.length - word.length) > limit || w[0] !== word[0]) { continue; }
        var d = distance(word, w), s = stemOf(w, shard.s[i]);
        if (d > limit && s.length >= 4 && typed.length === s.length + 1 && typed.startsWith(s)) { d = limit; }
        if (d <= limit && (!best || d < best[0] || (d === best[0] && (shard.n[i] > best[1] || (shard.n[i] === best[1] && w < best[2]))))) {
          best = [d, shard.n[i], w, s];
        }
      }
    }
    return best ? [best[2], best[3]] : null;
  };

  /* Schemes filed under a region, provider type or year the query names rank first (engine.filed). */
  function filed(places) {
    var count = 0;
    for (var bits = places >> 5; bits; bits >>= 1) { count += bits & 1; }
    return count;
  }

  function merge(into, match) {
    match.forEach(function (v, doc) {
      var at = into.get(doc);
      if (!at) { into.set(doc, [v[0], v[1]]); } else { at[0] += v[0]; at[1] |= v[1]; }
    });
  }

  function Run(engine, correct, parsed) {
    this.e = engine;
    this.correct = correct;
    this.kept = parsed.kept;
    this.stems = [];
    this.fixes = [];
  }

  Run.prototype.term = function (s) {
    if (this.stems.indexOf(s) < 0) { this.stems.push(s); }
    return this.e.term(s);
  };

  Run.prototype.allOf = async function (stems, phrase) {
    var matches = [];
    for (var s of stems) { matches.push(await this.term(s)); }
    var out = new Map();
    matches[0].forEach(function (first, doc) {
      var score = first[0], places = first[1], union = first[1];
      for (var k = 1; k < matches.length; k++) {
        var at = matches[k].get(doc);
        if (!at) { return; }
        score += at[0]; places &= at[1]; union |= at[1];
      }
      if (places || !phrase) { out.set(doc, [score, phrase ? places : union]); }
    });
    return out;
  };

  Run.prototype.atom = async function (atom) {
    if (atom.kind === "field") { return this.field(atom.field, atom.value); }
    var self = this, words = atom.tokens.filter(this.kept);
    var stems = words.map(function (t) { return stem(t.text); });
    var group = words.length === atom.tokens.length && stems.length ? this.e.synonyms.get(stems.join(" ")) : undefined;
    if (group) { return this.alternatives(stems, group, atom.kind === "phrase"); }
    if (atom.kind === "phrase") { return this.allOf(stems, true); }
    return self.word(atom.tokens[0], atom.open);
  };

  Run.prototype.alternatives = async function (typed, group, phrase) {
    var out = new Map(), key = typed.join(" ");
    merge(out, await this.allOf(typed, phrase));
    for (var member of group) {
      if (member.join(" ") !== key) { merge(out, await this.allOf(member, true)); }
    }
    return out;
  };

  Run.prototype.word = async function (token, open) {
    var kept = this.kept(token);
    if (kept) {
      var found = await this.term(stem(token.text));
      if (found.size) { return found; }
    }
    if (open && token.text.length >= this.e.m.min) {
      var stems = await this.e.completions(token.text);
      if (stems.length) {
        var out = new Map();
        for (var s of stems) {
          (await this.term(s)).forEach(function (v, doc) {
            var score = v[0] * COMPLETION_WEIGHT, at = out.get(doc);
            if (!at) { out.set(doc, [score, v[1]]); } else { at[0] = Math.max(at[0], score); at[1] |= v[1]; }
          });
        }
        return out;
      }
    }
    if (!kept) { return null; }
    if (this.correct && token.text.length >= 3) {
      var fix = await this.e.correction(token.text);
      if (fix) {
        this.fixes.push([token, fix[0]]);
        return this.term(fix[1]);
      }
    }
    return new Map();
  };

  Run.prototype.field = async function (key, value) {
    var table = await this.e.facets(), facet = has(table.by, key) ? table.by[key] : null, code = null, out = new Map();
    if (!facet) { return out; }
    for (var i = 0; i < facet.v.length; i++) {
      if (facet.v[i].toLowerCase() === value || facet.l[i].toLowerCase() === value) { code = String.fromCharCode(48 + i); break; }
    }
    if (code === null) { return out; }
    table.docs.forEach(function (slot, n) { if (facet.c[n].indexOf(code) >= 0) { out.set(slot, [0, 0]); } });
    return out;
  };

  Run.prototype.clauses = async function (parsed) {
    var self = this, e = this.e, list = parsed.clauses;
    var plain = list.map(function (c) { return c.length === 1 && c[0].kind === "words" && self.kept(c[0].tokens[0]); });
    var stems = list.map(function (c, i) { return plain[i] ? stem(c[0].tokens[0].text) : ""; });
    var out = [], i = 0;
    while (i < list.length) {
      var run = 0, length = 0;
      while (i + run < plain.length && plain[i + run]) { run++; }
      for (var n = run; n > 1; n--) {
        if (e.synonyms.has(stems.slice(i, i + n).join(" "))) { length = n; break; }
      }
      if (length) {
        var typed = stems.slice(i, i + length);
        out.push([await this.alternatives(typed, e.synonyms.get(typed.join(" ")), false), true]);
        i += length;
        continue;
      }
      var merged = new Map(), words = false, any = false;
      for (var atom of list[i]) {
        var match = await this.atom(atom);
        if (match === null) { continue; }
        any = true;
        words = words || atom.kind !== "field";
        merge(merged, match);
      }
      if (any) { out.push([merged, words]); }
      i++;
    }
    return out;
  };

  Run.prototype.result = async function (text, parsed) {
    var positive = await this.clauses(parsed), negative = [];
    for (var atom of parsed.negated) {
      var m = await this.atom(atom);
      if (m !== null) { negative.push(m); }
    }
    if (!positive.length && !negative.length) { return {hits: [], stems: this.stems, corrected: "", empty: true}; }
    var docs = new Map();
    if (positive.length) {
      positive[0][0].forEach(function (at, doc) {
        var score = at[0], places = at[1];
        for (var k = 1; k < positive.length; k++) {
          var more = positive[k][0].get(doc);
          if (!more) { return; }
          score += more[0]; places |= more[1];
        }
        docs.set(doc, [score, places]);
      });
    } else {
      (await this.e.facets()).docs.forEach(function (slot) { docs.set(slot, [0, 0]); });
    }
    negative.forEach(function (match) { match.forEach(function (v, doc) { docs.delete(doc); }); });
    var order = Array.from(docs.keys());
    if (positive.some(function (p) { return p[1]; })) {
      var example = this.e.example;
      order.sort(function (a, b) {
        return filed(docs.get(b)[1]) - filed(docs.get(a)[1]) ||
          Math.floor(docs.get(b)[0] * QUANTUM + 0.5) - Math.floor(docs.get(a)[0] * QUANTUM + 0.5) ||
          example(a) - example(b) || a - b;
      });
    } else {
      var at = (await this.e.facets()).at, kind = this.e.example;
      order.sort(function (a, b) { return kind(a) - kind(b) || at.get(b) - at.get(a); });
    }
    return {hits: order.map(function (d) { return [d, docs.get(d)[0], docs.get(d)[1]]; }), stems: this.stems,
            corrected: this.corrected(text), empty: false};
  };

  Run.prototype.corrected = function (text) {
    var fixes = this.fixes.slice().sort(function (a, b) { return b[0].start - a[0].start; });
    fixes.forEach(function (f) { text = text.slice(0, f[0].start) + f[1] + text.slice(f[0].end); });
    return this.fixes.length ? text : "";
  };

  var engine = null;
  async function search(text, correct) {
    if (!engine) { engine = new Engine(await fetchJSON("m.gz")); }
    var parsed = parse(text, engine.m), run = new Run(engine, correct, parsed);
    var result = await run.result(text, parsed);
    result.dropped = parsed.dropped;
    return result;
  }
  window.cquinSearch = search;  /* for the tests, which compare it with the command line */

  /* ---- facets ---- */

  function filterCode(facet, value) {
    var wanted = String(value).toLowerCase();
    for (var i = 0; i < facet.v.length; i++) {
      if (facet.v[i].toLowerCase() === wanted || facet.l[i].toLowerCase() === wanted) { return String.fromCharCode(48 + i); }
    }
    return null;
  }

  function passes(table, filters, doc, except) {
    for (var key in filters) {
      if (key === except || !filters[key] || !has(table.by, key)) { continue; }
      var code = filterCode(table.by[key], filters[key]);
      if (code === null || table.by[key].c[table.at.get(doc)].indexOf(code) < 0) { return false; }
    }
    return true;
  }

  /* Each select is made once and its options replaced in place, so a select changed with the keyboard keeps
     its focus. Counts are of schemes, and say so. */
  function renderFacets(table, matches, filters) {
    FACETS.forEach(function (spec) {
      var facet = table.by[spec[0]], counts = new Array(facet.v.length).fill(0), total = 0;
      matches.forEach(function (match) {
        if (!passes(table, filters, match[0], spec[0])) { return; }
        total++;
        var codes = facet.c[table.at.get(match[0])];
        for (var i = 0; i < codes.length; i++) { counts[codes.charCodeAt(i) - 48]++; }
      });
      var select = state.selects[spec[0]];
      if (!select) {
        var id = "facet-" + spec[0], wrap = document.createElement("div"), label = document.createElement("label");
        select = document.createElement("select");
        wrap.className = "facet";
        label.htmlFor = id;
        label.textContent = spec[1];
        select.id = id;
        select.name = spec[0];
        select.addEventListener("change", function () {
          state.filters[spec[0]] = select.value;
          run();
        });
        wrap.appendChild(label);
        wrap.appendChild(select);
        facetBox.appendChild(wrap);
        state.selects[spec[0]] = select;
      }
      var options = [option("", spec[2] + " (" + schemes(total) + ")")];
      var chosen = filters[spec[0]] ? filterCode(facet, filters[spec[0]]) : null;
      facet.v.forEach(function (value, i) {
        var code = String.fromCharCode(48 + i);
        if (counts[i] > 0 || code === chosen) { options.push(option(value, facet.l[i] + " (" + schemes(counts[i]) + ")")); }
      });
      select.replaceChildren.apply(select, options);
      select.value = chosen === null ? "" : facet.v[chosen.charCodeAt(0) - 48];
    });
    filterBox.hidden = false;
  }

  function schemes(n) { return n === 1 ? "1 scheme" : n + " schemes"; }

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  /* ---- showing results ---- */

  /* Words of a title or goal are marked when their stem is one the query looked for. */
  function highlight(text, stems) {
    var out = document.createDocumentFragment(), at = 0, found = 0;
    for (var match of text.matchAll(WORD)) {
      if (stems.indexOf(stem(match[0].toLowerCase())) < 0) { continue; }
      out.appendChild(document.createTextNode(text.slice(at, match.index)));
      var mark = document.createElement("mark");
      mark.textContent = match[0];
      out.appendChild(mark);
      at = match.index + match[0].length;
      found++;
    }
    out.appendChild(document.createTextNode(text.slice(at)));
    return {node: out, found: found};
  }

  function resultItem(card, places, stems) {
    var li = document.createElement("li"), heading = document.createElement("h2"), link = document.createElement("a");
    li.className = "result";
    link.href = SITE + "schemes/" + card.i + "/";
    link.appendChild(highlight(card.t, stems).node);
    heading.appendChild(link);
    li.appendChild(heading);
    var meta = document.createElement("p");
    meta.className = "result-meta";
    meta.textContent = [card.y, card.r, card.p, card.o].concat(card.l).join(" · ");
    li.appendChild(meta);
    var best = null;
    card.g.forEach(function (goal) {
      var h = highlight(goal[1], stems);
      if (h.found > 0 && (!best || h.found > best.found)) { best = {goal: goal, found: h.found, node: h.node}; }
    });
    if (!best && places & (1 << LABEL_BITS.topic)) {
      /* No goal's name holds a query word, but a topic's name does: show the goal filed under that topic. */
      var slugs = topicsOf(stems);
      card.g.forEach(function (goal) {
        var hit = (goal[2] || []).filter(function (slug) { return slugs.has(slug); });
        if (!best && hit.length) {
          var node = document.createDocumentFragment();
          node.appendChild(document.createTextNode(goal[1] + " (topic: "));
          node.appendChild(highlight(topicName(hit[0]), stems).node);
          node.appendChild(document.createTextNode(")"));
          best = {goal: goal, node: node};
        }
      });
    }
    var p = document.createElement("p");
    if (best) {
      p.className = "result-goal";
      p.appendChild(document.createTextNode("Goal " + best.goal[0] + ": "));
      p.appendChild(best.node);
      li.appendChild(p);
    } else if (places) {
      /* No goal's name holds a query word: say where the scheme matched instead. */
      var where = PLACES.filter(function (name, bit) { return places & (1 << bit); });
      p.className = "result-where";
      p.textContent = "Matched in " + where.join(", ").replace(/, ([^,]*)$/, " and $1") + ".";
      li.appendChild(p);
    }
    return li;
  }

  function topicsOf(stems) {
    var slugs = new Set(), table = engine.m.lab.topic;
    stems.forEach(function (s) { if (has(table, s)) { table[s].forEach(function (slug) { slugs.add(slug); }); } });
    return slugs;
  }

  function topicName(slug) { return has(engine.m.tn, slug) ? engine.m.tn[slug] : slug; }

  async function cardsFor(matches) {
    var m = engine.m;
    return Promise.all(matches.map(async function (match) {
      return (await fetchJSON("d/" + Math.floor(match[0] / m.pack) + ".gz"))[match[0] % m.pack];
    }));
  }

  function append(cards, matches) {
    var first = null;
    cards.forEach(function (card, n) {
      var item = resultItem(card, matches[n][2], state.stems);
      first = first || item;
      list.appendChild(item);
    });
    state.shown += cards.length;
    more.hidden = state.shown >= state.matches.length;
    return first;
  }

  /* The next page of results; focus moves to the first of them, so a keyboard user reads on from there. */
  function showMore() {
    var seq = state.seq, next = state.matches.slice(state.shown, state.shown + PAGE);
    cardsFor(next).then(function (cards) {
      if (seq !== state.seq) { return; }
      var first = append(cards, next);
      if (first) { first.querySelector("a").focus(); }
      say("Showing " + state.shown + " of " + plural(state.matches.length, "scheme", "schemes") + ".");
    }).catch(failed(seq));
  }

  function say(text) { status.textContent = text; }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* ---- the URL ---- */

  function readURL() {
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    state.typed = params.get("typed") === "1";
    FACETS.forEach(function (spec) { state.filters[spec[0]] = params.get(spec[0]) || ""; });
  }

  function writeURL() {
    var params = new URLSearchParams();
    if (input.value) { params.set("q", input.value); }
    if (state.typed) { params.set("typed", "1"); }
    FACETS.forEach(function (spec) { if (state.filters[spec[0]]) { params.set(spec[0], state.filters[spec[0]]); } });
    var search = params.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
  }

  /* ---- one search ---- */

  async function run() {
    var seq = ++state.seq, text = input.value;
    writeURL();
    try {
      var result = await search(text, !state.typed);
      var filters = state.filters, active = Object.keys(filters).some(function (k) { return filters[k]; });
      /* The facet table is fetched before the first results only when a filter needs it. */
      var table = active ? await engine.facets() : null;
      if (seq !== state.seq) { return; }
      var matches = result.empty ? (active ? table.docs.slice().reverse().map(function (s) { return [s, 0, 0]; }) : [])
                                 : result.hits;
      var filtered = active ? matches.filter(function (x) { return passes(table, filters, x[0]); }) : matches;
      var cards = await cardsFor(filtered.slice(0, PAGE));
      if (seq !== state.seq) { return; }
      /* The list and the status change together, once the cards are here, so nothing flickers. */
      state.matches = filtered;
      state.shown = 0;
      state.stems = result.stems;
      list.textContent = "";
      append(cards, filtered);
      showCorrection(text, result.corrected);
      var shown = (result.corrected || text).trim();
      if (result.empty && !active) {
        say(text.trim() ? "Type a word that is not as common as ‘" + text.trim() + "’." : "Type words to search, or choose a filter.");
      } else {
        say((filtered.length ? plural(filtered.length, "scheme matches", "schemes match") : "No scheme matches") +
            describe(shown, active) + ".");
      }
      table = await engine.facets();
      if (seq !== state.seq) { return; }
      renderFacets(table, result.empty && !text.trim() ? table.docs.map(function (s) { return [s]; }) : matches, filters);
    } catch (error) {
      failed(seq)(error);
    }
  }

  function failed(seq) {
    return function (error) {
      if (seq === state.seq) { say("Search is not available right now (" + error.message + "). Browse the lists below instead."); }
    };
  }

  function describe(text, active) {
    var words = text ? " ‘" + text + "’" : "";
    return words + (active ? (words ? " with the chosen filters" : " the chosen filters") : "");
  }

  /* "Showing results for X", with a link that searches the words as typed. */
  function showCorrection(text, corrected) {
    suggest.textContent = "";
    suggest.hidden = !corrected;
    if (!corrected) { return; }
    var strong = document.createElement("strong");
    strong.textContent = corrected.trim();
    suggest.appendChild(document.createTextNode("Showing results for "));
    suggest.appendChild(strong);
    suggest.appendChild(document.createTextNode(". Search instead for "));
    var link = document.createElement("a"), params = new URLSearchParams(window.location.search);
    params.set("q", text);
    params.set("typed", "1");
    link.href = "?" + params.toString();
    link.textContent = text.trim();
    link.addEventListener("click", function (event) {
      event.preventDefault();
      state.typed = true;
      run();
      input.focus();
    });
    suggest.appendChild(link);
    suggest.appendChild(document.createTextNode("."));
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    state.typed = false;
    timer = setTimeout(run, 120);
  });
  root.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  more.addEventListener("click", showMore);

  if (!("DecompressionStream" in window) || !stem) {
    say("Search needs a newer browser. Browse the lists below instead.");
    return;
  }
  readURL();
  /* On a phone the filters start folded, so the results are not pushed below seven selects; a filter in the
     URL opens them. */
  if (window.matchMedia("(max-width: 40em)").matches && !FACETS.some(function (f) { return state.filters[f[0]]; })) {
    filterBox.open = false;
  }
  run();
})();
