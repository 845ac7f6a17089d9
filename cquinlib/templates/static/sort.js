// Sorting for comparison tables, as an enhancement: the table as built is the truth and reads without this.
// Each column heading becomes a button; rows sort within their goal's group (each tbody), by a cell's data-sort
// figure where it has one (weights, values, targets), else by its text. Nothing from the page is parsed as markup.
(function () {
  "use strict";
  function key(cell) {
    var figure = cell ? cell.getAttribute("data-sort") : null;
    if (figure !== null && figure !== "") { return {n: parseFloat(figure), t: ""}; }
    return {n: null, t: cell ? cell.textContent.trim().toLowerCase() : ""};
  }
  function compare(a, b) {
    if (a.n !== null && b.n !== null) { return a.n - b.n; }
    if (a.n !== null) { return -1; }  // figures before cells without one, whichever the direction
    if (b.n !== null) { return 1; }
    return a.t < b.t ? -1 : a.t > b.t ? 1 : 0;
  }
  function sortBy(table, heads, index, descending) {
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("group"); });
      var keyed = rows.map(function (row, at) { return {row: row, at: at, k: key(row.cells[index])}; });
      keyed.sort(function (x, y) {
        var found = compare(x.k, y.k);
        if (descending && x.k.n !== null && y.k.n !== null) { found = -found; }
        else if (descending && x.k.n === null && y.k.n === null) { found = -found; }
        return found || x.at - y.at;
      });
      keyed.forEach(function (item) { body.appendChild(item.row); });
    });
    heads.forEach(function (th, at) {
      if (at === index) { th.setAttribute("aria-sort", descending ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
  }
  // Below 40rem the site's CSS stacks each row as a labelled block and hides the headings: their buttons then
  // leave the keyboard's path, so focus never lands on a control nobody can see.
  var stacked = window.matchMedia("(max-width: 40rem)");
  function reach() {
    Array.prototype.forEach.call(document.querySelectorAll("button.sort"), function (button) {
      if (stacked.matches) { button.setAttribute("tabindex", "-1"); } else { button.removeAttribute("tabindex"); }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(table, heads, index, th.getAttribute("aria-sort") === "ascending");
      });
    });
  });
  reach();
  if (stacked.addEventListener) { stacked.addEventListener("change", reach); }
}());
