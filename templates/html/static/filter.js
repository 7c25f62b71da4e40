/* The catalogue's filter box: hides services whose name, summary, category, owner or id
   do not contain every word typed. No network, no dependencies; the page works without it. */
(function () {
  "use strict";
  var form = document.getElementById("filter-form");
  var box = document.getElementById("filter");
  if (!form || !box) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-filter-group]"));
  var status = document.getElementById("filter-status");
  var none = document.getElementById("no-match");
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-search");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("[data-search]:not([hidden])") === null;
    });
    if (status) {
      status.textContent = words.length ? shown + " of " + items.length + " services match" : items.length + " services";
    }
    if (none) { none.hidden = shown !== 0; }
  }

  box.addEventListener("input", apply);
  apply();
}());
