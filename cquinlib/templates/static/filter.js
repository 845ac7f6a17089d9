// Real schemes only: turns the page's "Real schemes only" link into a switch that hides the rows of worked
// examples (rows marked data-illustrative) in the page's tables, hides a table or a goal's rows left empty, and
// keeps the choice in the address (?real=1) so that it can be shared and survives a reload. Without JavaScript
// the link leads to the page of every real scheme. It writes only text, never markup.
(function () {
  "use strict";
  var holder = document.querySelector("p.real-filter");
  if (!holder) { return; }
  var rows = document.querySelectorAll("main tr[data-illustrative]");
  var label = document.createElement("label");
  var box = document.createElement("input");
  var status = document.createElement("span");
  box.type = "checkbox";
  box.id = "real-only";
  label.htmlFor = "real-only";
  label.appendChild(box);
  label.appendChild(document.createTextNode(" Real schemes only"));
  status.setAttribute("role", "status");
  status.className = "muted";
  var note = holder.querySelector(".muted");
  holder.textContent = "";
  holder.appendChild(label);
  holder.appendChild(document.createTextNode(" "));
  holder.appendChild(status);

  function apply() {
    var only = box.checked;
    rows.forEach(function (row) { row.hidden = only; });
    document.querySelectorAll("main table").forEach(function (table) {
      var groups = table.tBodies.length > 1 ? Array.prototype.slice.call(table.tBodies) : [];
      groups.forEach(function (body) {  // a goal's rows, headed by its name: hidden when none is left
        var left = body.querySelectorAll("tr:not(.group):not([hidden])").length;
        body.hidden = only && left === 0;
      });
      var shown = table.querySelectorAll("tbody tr:not(.group):not([hidden])").length;
      table.hidden = only && shown === 0 && table.querySelector("tr[data-illustrative]") !== null;
    });
    status.textContent = only ? "Worked examples are hidden." : (note ? note.textContent : "");
    var url = new URL(window.location.href);
    if (only) { url.searchParams.set("real", "1"); } else { url.searchParams.delete("real"); }
    window.history.replaceState(null, "", url.toString());
  }

  box.checked = new URLSearchParams(window.location.search).get("real") === "1";
  box.addEventListener("change", apply);
  apply();
}());
