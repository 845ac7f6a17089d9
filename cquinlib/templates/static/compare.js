// Two to four schemes side by side, from the open data (schemes.json). Text only ever goes in as text: nothing
// from the data is parsed as markup.
(function () {
  "use strict";
  var root = document.getElementById("compare");
  if (!root) { return; }
  var status = document.getElementById("compare-status");
  var result = document.getElementById("compare-result");
  var input = document.getElementById("compare-schemes");
  var pickers = document.getElementById("compare-pickers");
  var form = root.querySelector("form");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function money(value) {
    return value === null || value === undefined ? "not given" : "£" + Math.round(value).toLocaleString("en-GB");
  }
  function fact(dl, name, value) {
    dl.appendChild(el("dt", name));
    dl.appendChild(el("dd", value === "" || value === null || value === undefined ? "not given" : value));
  }
  function weightOf(goal) {
    if (goal.weight !== null && goal.weight !== undefined) { return goal.weight; }
    var ws = goal.indicators.map(function (i) { return i.weight; });
    if (ws.length && ws.every(function (w) { return w !== null && w !== undefined; })) {
      return ws.reduce(function (a, b) { return a + b; }, 0);
    }
    return null;
  }
  function card(s) {
    var box = el("section", null, "compare-card");
    var h = el("h2");
    var a = el("a", s.title);
    a.href = s.url;
    h.appendChild(a);
    box.appendChild(h);
    if (s.illustrative) { box.appendChild(el("p", "Illustrative: a worked example, not an agreed scheme.", "label label-illustrative")); }
    if (s.status === "withdrawn") { box.appendChild(el("p", "Withdrawn", "label label-withdrawn")); }
    var dl = el("dl", null, "facts");
    fact(dl, "Provider", s.provider_name);
    fact(dl, "Year", s.year.replace("-", "/"));
    fact(dl, "Region", s.region);
    fact(dl, "Provider type", s.provider_type);
    fact(dl, "CQUIN value", money(s.value));
    fact(dl, "Goals", s.goals.length);
    box.appendChild(dl);
    var list = el("ol", null, "compare-goals");
    s.goals.forEach(function (g) {
      var item = el("li");
      var w = weightOf(g);
      item.appendChild(el("strong", g.name));
      item.appendChild(el("span", " " + (w === null ? "weight not given" : w + "% of the scheme") +
        (g.national ? ", national goal" : ", local goal"), "muted"));
      var targets = el("ul");
      g.indicators.forEach(function (i) {
        var t = i.target && i.target.value ? i.target.value : "not given";
        var b = i.baseline && i.baseline.value ? i.baseline.value : "not given";
        targets.appendChild(el("li", i.number + " " + i.name + ": baseline " + b + ", target " + t));
      });
      if (g.indicators.length) { item.appendChild(targets); }
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }
  function wanted() {
    var raw = new URLSearchParams(window.location.search).get("schemes") || "";
    return raw.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
  }
  function show(schemes, ids) {
    result.textContent = "";
    var byId = {};
    schemes.forEach(function (s) { byId[s.id] = s; });
    var found = ids.filter(function (id) { return byId[id]; });
    var missing = ids.filter(function (id) { return !byId[id]; });
    if (ids.length === 0) { status.textContent = "Choose two to four schemes."; return; }
    found.slice(0, 4).forEach(function (id) { result.appendChild(card(byId[id])); });
    var words = [];
    if (found.length < 2) { words.push("Choose at least two schemes."); }
    if (found.length > 4) { words.push("Only the first four are shown."); }
    if (missing.length) { words.push("Not in the library: " + missing.join(", ") + "."); }
    status.textContent = words.length ? words.join(" ") : "Comparing " + Math.min(found.length, 4) + " schemes.";
  }
  function addPickers(schemes, ids) {
    for (var n = 0; n < 4; n += 1) {
      var label = el("label", "Scheme " + (n + 1));
      var select = el("select");
      select.id = "compare-pick-" + n;
      label.htmlFor = select.id;
      select.appendChild(el("option", "(none)"));
      select.options[0].value = "";
      schemes.forEach(function (s) {
        var option = el("option", s.year.replace("-", "/") + ": " + s.title);
        option.value = s.id;
        if (ids[n] === s.id) { option.selected = true; }
        select.appendChild(option);
      });
      var wrap = el("div", null, "compare-pick");
      wrap.appendChild(label);
      wrap.appendChild(select);
      pickers.appendChild(wrap);
    }
    form.addEventListener("submit", function (event) {
      var chosen = Array.prototype.map.call(pickers.querySelectorAll("select"), function (s) { return s.value; })
        .filter(Boolean);
      if (chosen.length) { input.value = chosen.join(","); }
      event.preventDefault();
      var url = root.getAttribute("data-page") + "?schemes=" + encodeURIComponent(input.value).replace(/%2C/gi, ",").replace(/%2F/gi, "/");
      window.history.pushState(null, "", url);
      show(schemes, wanted());
    });
  }
  status.textContent = "Loading the schemes…";
  fetch(root.getAttribute("data-source")).then(function (r) {
    if (!r.ok) { throw new Error(String(r.status)); }
    return r.json();
  }).then(function (data) {
    var schemes = data.schemes;
    var ids = wanted();
    input.value = ids.join(",");
    addPickers(schemes, ids);
    show(schemes, ids);
    window.addEventListener("popstate", function () { show(schemes, wanted()); });
  }).catch(function () {
    status.textContent = "The schemes could not be loaded: download them from the open data page instead.";
  });
}());
