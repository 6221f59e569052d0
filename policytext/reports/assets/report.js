/* policytext batch report: ranking table (sort, search, pages) and charts. No network, no innerHTML with data. */
(function () {
  "use strict";
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(v, col) {
    if (v === null || v === undefined) return "—";
    if (col.type === "num") return Number(v).toFixed(col.digits === undefined ? 2 : col.digits);
    if (col.type === "int") return Number(v).toLocaleString("zh-CN");
    if (col.type === "bool") return v ? "是" : "否";
    return String(v);
  }

  function rankingTable() {
    var data = readJSON("pt-ranking-data");
    var root = document.getElementById("pt-ranking");
    if (!data || !root) return;
    var cols = data.columns, rows = data.rows;
    var search = root.querySelector("input[type=search]");
    var sizeSel = root.querySelector("select.pt-size");
    var table = root.querySelector("table");
    var tbody = table.querySelector("tbody");
    var info = root.querySelector(".pt-count");
    var pageIn = root.querySelector("input.pt-page");
    var pagesEl = root.querySelector(".pt-pages");
    var btn = {};
    ["first", "prev", "next", "last"].forEach(function (k) { btn[k] = root.querySelector("button.pt-" + k); });
    var haystack = rows.map(function (r) {
      return r.map(function (v) { return v === null ? "" : String(v); }).join("\u0001").toLowerCase();
    });
    var state = { q: "", key: data.sortKey, dir: -1, page: 1, size: Number(sizeSel.value) };
    var view = rows.map(function (_, i) { return i; });

    var head = table.querySelector("thead tr");
    cols.forEach(function (c, j) {
      var th = document.createElement("th");
      th.textContent = c.label;
      th.title = c.help || c.label;
      th.dataset.key = String(j);
      if (c.type === "num" || c.type === "int") th.className = "num";
      th.addEventListener("click", function () {
        if (state.key === j) { state.dir = -state.dir; } else { state.key = j; state.dir = (c.type === "text") ? 1 : -1; }
        state.page = 1; update();
      });
      head.appendChild(th);
    });

    function compare(a, b) {
      var va = rows[a][state.key], vb = rows[b][state.key];
      if (va === vb) return a - b;
      if (va === null) return 1;
      if (vb === null) return -1;
      var r = (typeof va === "number" && typeof vb === "number") ? va - vb : String(va).localeCompare(String(vb), "zh-CN");
      return (r === 0 ? a - b : r * state.dir);
    }

    function update() {
      var q = state.q.trim().toLowerCase();
      var terms = q ? q.split(/\s+/) : [];
      view = [];
      for (var i = 0; i < rows.length; i++) {
        var ok = true;
        for (var t = 0; t < terms.length; t++) { if (haystack[i].indexOf(terms[t]) < 0) { ok = false; break; } }
        if (ok) view.push(i);
      }
      view.sort(compare);
      render();
    }

    function render() {
      var n = view.length, size = state.size;
      var pages = Math.max(1, Math.ceil(n / size));
      state.page = Math.min(Math.max(1, state.page), pages);
      var start = (state.page - 1) * size, end = Math.min(n, start + size);
      var frag = document.createDocumentFragment();
      for (var i = start; i < end; i++) {
        var r = rows[view[i]], tr = document.createElement("tr");
        for (var j = 0; j < cols.length; j++) {
          var td = document.createElement("td"), c = cols[j];
          td.textContent = fmt(r[j], c);
          if (c.type === "num" || c.type === "int") td.className = "num";
          if (c.type === "num" && r[j] !== null && r[j] < 0) td.className = "num pt-neg";
          tr.appendChild(td);
        }
        frag.appendChild(tr);
      }
      tbody.replaceChildren(frag);
      info.textContent = n === 0 ? "没有符合条件的文件" :
        "第 " + (start + 1).toLocaleString("zh-CN") + "–" + end.toLocaleString("zh-CN") + " 条，共 " +
        n.toLocaleString("zh-CN") + " 条" + (n < rows.length ? "（全部 " + rows.length.toLocaleString("zh-CN") + " 条）" : "");
      pageIn.value = String(state.page);
      pageIn.max = String(pages);
      pagesEl.textContent = "/ " + pages + " 页";
      btn.first.disabled = btn.prev.disabled = state.page <= 1;
      btn.next.disabled = btn.last.disabled = state.page >= pages;
      head.querySelectorAll("th").forEach(function (th) {
        if (Number(th.dataset.key) === state.key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        else th.removeAttribute("aria-sort");
      });
    }

    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = search.value; state.page = 1; update(); }, 120);
    });
    sizeSel.addEventListener("change", function () { state.size = Number(sizeSel.value); state.page = 1; render(); });
    btn.first.addEventListener("click", function () { state.page = 1; render(); });
    btn.prev.addEventListener("click", function () { state.page -= 1; render(); });
    btn.next.addEventListener("click", function () { state.page += 1; render(); });
    btn.last.addEventListener("click", function () { state.page = 1e9; render(); });
    pageIn.addEventListener("change", function () { state.page = Number(pageIn.value) || 1; render(); });
    update();
  }

  function charts() {
    var figs = readJSON("pt-chart-data") || {};
    var els = document.querySelectorAll(".pt-chart[data-chart]");
    if (typeof Plotly === "undefined") {
      els.forEach(function (el) { el.textContent = "图表库未能加载。"; });
      return;
    }
    var config = { displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"],
      toImageButtonOptions: { format: "png", scale: 2 } };
    els.forEach(function (el) {
      var fig = figs[el.dataset.chart];
      if (fig) Plotly.newPlot(el, fig.data, fig.layout, config);
    });
  }

  function start() { rankingTable(); charts(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
