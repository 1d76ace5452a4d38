/* nibs-graph HTML view. Every text from the data is written with textContent, never as markup. */
(function () {
  "use strict";

  var state = { network: null, nodes: null, edges: null, meta: null, ready: false, renderMs: null, error: null };
  window.nibsGraph = state;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function tooltip(tip) {
    var box = el("div", "nibs-tip");
    box.appendChild(el("strong", null, tip.title));
    (tip.lines || []).forEach(function (line) { box.appendChild(el("div", null, line)); });
    return box;
  }

  var DOI = /^10\.\d{4,9}\/\S+$/;

  function doiLink(doi) {
    if (!DOI.test(doi)) { return el("span", null, "doi:" + doi); }
    var a = el("a", null, "doi:" + doi);
    a.href = "https://doi.org/" + encodeURI(doi);
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function definitionList(record) {
    var dl = el("dl", "nibs-record");
    Object.keys(record).forEach(function (key) {
      dl.appendChild(el("dt", null, key.replace(/_/g, " ")));
      var dd = el("dd");
      if (key === "doi") { dd.appendChild(doiLink(record[key])); } else { dd.textContent = record[key]; }
      dl.appendChild(dd);
    });
    return dl;
  }

  function showDetails(kind, item) {
    var body = document.getElementById("nibs-details-body");
    body.replaceChildren();
    body.appendChild(el("h3", null, item.tooltip.title));
    if (kind === "node") {
      item.tooltip.lines.forEach(function (line) { body.appendChild(el("p", null, line)); });
      var list = el("ul", "nibs-neighbours");
      state.network.getConnectedEdges(item.id).forEach(function (edgeId) {
        var edge = state.edges.get(edgeId);
        if (edge) { list.appendChild(el("li", null, edge.tooltip.title)); }
      });
      if (list.childNodes.length) { body.appendChild(el("h4", null, "Links")); body.appendChild(list); }
    } else {
      (item.evidence || []).forEach(function (record) { body.appendChild(definitionList(record)); });
      if (!item.evidence || !item.evidence.length) { body.appendChild(el("p", "nibs-hint", "No evidence records.")); }
    }
  }

  function setupSearch() {
    var input = document.getElementById("nibs-search");
    var status = document.getElementById("nibs-search-status");
    function matches() {
      var q = input.value.trim().toLowerCase();
      if (!q) { return null; }
      return state.nodes.get({
        filter: function (n) {
          if (n.hidden) { return false; }
          if (String(n.label).toLowerCase().indexOf(q) >= 0 || String(n.id).toLowerCase().indexOf(q) >= 0) { return true; }
          return (n.synonyms || []).some(function (s) { return String(s).toLowerCase().indexOf(q) >= 0; });
        }
      }).map(function (n) { return n.id; });
    }
    input.addEventListener("input", function () {
      var ids = matches();
      if (ids === null) { state.network.unselectAll(); status.textContent = ""; return; }
      state.network.selectNodes(ids, false);
      status.textContent = ids.length + (ids.length === 1 ? " match" : " matches");
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      var ids = matches();
      if (ids && ids.length) { state.network.fit({ nodes: ids, animation: false }); }
    });
  }

  function setupFilters() {
    Array.prototype.forEach.call(document.querySelectorAll(".nibs-type-filter"), function (box) {
      box.addEventListener("change", function () {
        var updates = state.nodes.get({ filter: function (n) { return n.ntype === box.value; } }).map(function (n) {
          return { id: n.id, hidden: !box.checked };
        });
        state.nodes.update(updates);
      });
    });
  }

  function showPaths(paths) {
    if (!paths || !paths.length) { return; }
    var list = document.getElementById("nibs-path-list");
    paths.forEach(function (p) {
      var sign = p.sign === 1 ? "+" : p.sign === -1 ? "−" : "?";
      list.appendChild(el("li", null, p.nodes.join(" → ") + "  (sign " + sign + ", " + p.consistency + ", " +
        p.studies + (p.studies === 1 ? " study)" : " studies)")));
    });
    document.getElementById("nibs-paths").hidden = false;
  }

  /* Show the details of a node or an edge by id (what a click does; also used by tests). */
  state.show = function (kind, id) {
    var item = (kind === "node" ? state.nodes : state.edges).get(id);
    if (item) { showDetails(kind, item); }
    return Boolean(item);
  };

  function finish() {
    if (state.ready) { return; }
    state.network.setOptions({ physics: false });
    state.renderMs = performance.now();
    state.ready = true;
    document.getElementById("nibs-progress").hidden = true;
    document.body.setAttribute("data-ready", "true");
  }

  function main() {
    var data = JSON.parse(document.getElementById("nibs-data").textContent);
    state.meta = data.meta;
    data.nodes.forEach(function (n) { n.title = tooltip(n.tooltip); });
    data.edges.forEach(function (e) { e.title = tooltip(e.tooltip); });
    state.nodes = new vis.DataSet(data.nodes);
    state.edges = new vis.DataSet(data.edges);
    var progress = document.getElementById("nibs-progress");
    var container = document.getElementById("nibs-network");
    state.network = new vis.Network(container, { nodes: state.nodes, edges: state.edges }, data.options);
    state.network.on("stabilizationProgress", function (p) {
      progress.textContent = "Laying out the graph… " + Math.round(100 * p.iterations / p.total) + "%";
    });
    state.network.once("stabilizationIterationsDone", finish);
    state.network.on("click", function (params) {
      if (params.nodes.length) { showDetails("node", state.nodes.get(params.nodes[0])); }
      else if (params.edges.length) { showDetails("edge", state.edges.get(params.edges[0])); }
    });
    setupSearch();
    setupFilters();
    showPaths(data.meta.paths);
    if (!data.nodes.length) { finish(); }
  }

  try {
    main();
  } catch (err) {
    state.error = String(err);
    var progress = document.getElementById("nibs-progress");
    if (progress) { progress.textContent = "The graph could not be drawn: " + err; }
    throw err;
  }
}());
