// Campaign edit pages: add, remove and reorder the rows of a list (Django formsets), without a page load.
(function () {
  "use strict";

  function holder(prefix) { return document.getElementById("rows-" + prefix); }

  function renumber(prefix) {
    var rows = holder(prefix).querySelectorAll("[data-row]");
    rows.forEach(function (row, i) {
      var order = row.querySelector("input[name$='-ORDER']");
      if (order) { order.value = i + 1; }
    });
  }

  document.addEventListener("click", function (ev) {
    var add = ev.target.closest("[data-add-row]");
    if (add) {
      var prefix = add.getAttribute("data-add-row");
      var tpl = document.getElementById("tpl-" + prefix);
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var n = parseInt(total.value, 10);
      holder(prefix).insertAdjacentHTML("beforeend", tpl.innerHTML.split("__prefix__").join(String(n)));
      total.value = n + 1;
      renumber(prefix);
      var rows = holder(prefix).querySelectorAll("[data-row]");
      var first = rows[rows.length - 1].querySelector("input[type=text], textarea, select");
      if (first) { first.focus(); }
      return;
    }
    var move = ev.target.closest("[data-move]");
    if (move) {
      var row = move.closest("[data-row]");
      var block = move.closest("[data-prefix]");
      if (move.getAttribute("data-move") === "up" && row.previousElementSibling) {
        row.parentNode.insertBefore(row, row.previousElementSibling);
      } else if (move.getAttribute("data-move") === "down" && row.nextElementSibling) {
        row.parentNode.insertBefore(row.nextElementSibling, row);
      }
      renumber(block.getAttribute("data-prefix"));
      move.focus();
    }
  });

  document.addEventListener("change", function (ev) {
    if (ev.target.matches("input[name$='-DELETE']")) {
      ev.target.closest("[data-row]").classList.toggle("deleted", ev.target.checked);
    }
  });
})();
