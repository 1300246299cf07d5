// mscohort report: tooltips on figure elements and sortable tables. No network, no libraries.
(function () {
  "use strict";
  var tips = JSON.parse(document.getElementById("mscohort-tooltips").textContent);
  var box = document.getElementById("tooltip");
  var svgNS = "http://www.w3.org/2000/svg";
  function attach(el, text) {
    var title = document.createElementNS(svgNS, "title");
    title.textContent = text;
    el.insertBefore(title, el.firstChild);
    el.classList.add("mscohort-hover");
    el.addEventListener("mouseenter", function () { box.textContent = text; box.hidden = false; });
    el.addEventListener("mousemove", function (e) {
      box.style.left = (e.pageX + 12) + "px"; box.style.top = (e.pageY + 12) + "px";
    });
    el.addEventListener("mouseleave", function () { box.hidden = true; });
    // keyboard: Tab reaches every element with a tooltip; focus shows it beside the element
    el.setAttribute("tabindex", "0");
    el.setAttribute("aria-label", text);
    el.addEventListener("focus", function () {
      var r = el.getBoundingClientRect();
      box.textContent = text; box.hidden = false;
      box.style.left = (r.right + window.scrollX + 8) + "px";
      box.style.top = (r.top + window.scrollY) + "px";
    });
    el.addEventListener("blur", function () { box.hidden = true; });
  }
  // one text: the element with the id; a list: the collection's items, in drawing order
  // (matplotlib writes each item as a <use> of a shared path, or as its own <path>)
  Object.keys(tips).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var text = tips[id];
    if (typeof text === "string") { attach(el, text); return; }
    var items = el.querySelectorAll("use");
    if (!items.length) { items = el.querySelectorAll("path"); }
    if (items.length !== text.length) { return; }
    Array.prototype.forEach.call(items, function (item, k) { attach(item, text[k]); });
  });
  function key(cell) {
    var text = cell.textContent.trim();
    var num = parseFloat(text.replace("−", "-"));
    return isNaN(num) ? text.toLowerCase() : num;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // a table wider than its box scrolls sideways: say so above it and shade the cut edge
  function hints() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle("scrolls", scrolls);
      var hint = wrap.previousElementSibling;
      if (hint && hint.classList.contains("scroll-hint")) { hint.hidden = !scrolls; }
    });
  }
  hints();
  window.addEventListener("resize", hints);
  document.body.setAttribute("data-ready", "1");
}());
