/* nibs-graph HTML view. Every text from the data is written with textContent, never as markup. */
(function () {
  "use strict";

  var state = { network: null, nodes: null, edges: null, meta: null, ready: false, renderMs: null, error: null,
    focus: null, lit: [] };
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

  var DIM_NODE = { background: "#eeeeee", border: "#dddddd", highlight: { background: "#eeeeee", border: "#cccccc" },
    hover: { background: "#eeeeee", border: "#cccccc" } };
  var DIM_EDGE = { color: "#eeeeee", highlight: "#eeeeee", hover: "#eeeeee", opacity: 0.4 };
  var DIM_FONT_COLOUR = "#c8c8c8";

  /* Light up a node and its neighbours; everything else fades. null: back to normal. */
  function highlight(id) {
    var near = {}, nearEdges = {};
    if (id !== null) {
      near[id] = true;
      state.network.getConnectedNodes(id).forEach(function (n) { near[n] = true; });
      state.network.getConnectedEdges(id).forEach(function (e) { nearEdges[e] = true; });
    }
    state.nodes.update(state.nodes.get().map(function (n) {
      var lit = id === null || near[n.id];
      var font = Object.assign({}, n.baseFont, lit ? {} : { color: DIM_FONT_COLOUR });
      return { id: n.id, color: lit ? n.baseColor : DIM_NODE, font: font };
    }));
    state.edges.update(state.edges.get().map(function (e) {
      return { id: e.id, color: id === null || nearEdges[e.id] ? e.baseColor : DIM_EDGE };
    }));
    state.focus = id;
    state.lit = id === null ? [] : Object.keys(near).sort();
  }

  /* What a link is, seen from one of its ends: a group heading ("increased by", "activates") and the other end. */
  var INCOMING = { increased: "increased by", decreased: "decreased by", unchanged: "no change after",
    activates: "activated by", inhibits: "inhibited by", increases_expression: "expression increased by",
    decreases_expression: "expression decreased by", binds: "binds", has_member: "member of", part_of: "has parts",
    uses_technique: "used by study arms", subclass_of: "kinds of it" };
  var OUTGOING = { increased: "increased", decreased: "decreased", unchanged: "no change in", activates: "activates",
    inhibits: "inhibits", increases_expression: "increases the expression of",
    decreases_expression: "decreases the expression of", binds: "binds", has_member: "has members",
    part_of: "part of", uses_technique: "uses the technique", subclass_of: "is a kind of" };

  function linkGroups(id) {
    var groups = [], byHeading = {};
    state.network.getConnectedEdges(id).forEach(function (edgeId) {
      var edge = state.edges.get(edgeId);
      if (!edge) { return; }
      var out = edge.from === id;
      var other = out ? edge.to : edge.from;
      var heading = (out ? OUTGOING : INCOMING)[edge.relation] || (out ? edge.relation + " →" : "← " + edge.relation);
      var otherNode = state.nodes.get(other);
      if (otherNode && otherNode.ntype === "protocol" && edge.relation !== "uses_technique") {
        heading += " (study arms)";  /* kept apart from the techniques, which sum the arms up */
      }
      var group = byHeading[heading];
      if (!group) { group = byHeading[heading] = { heading: heading, items: {}, order: [] }; groups.push(group); }
      var item = group.items[other];
      if (!item) { item = group.items[other] = { id: other, studies: 0 }; group.order.push(other); }
      item.studies = Math.max(item.studies, edge.nstudies || 0);
    });
    return groups;
  }

  function nodeButton(id, suffix) {
    var node = state.nodes.get(id);
    var button = el("button", "nibs-link", (node ? node.label : id) + (suffix || ""));
    button.type = "button";
    button.setAttribute("data-node", id);
    button.addEventListener("click", function () { state.select(id); });
    return button;
  }

  function showDetails(kind, item) {
    var body = document.getElementById("nibs-details-body");
    body.replaceChildren();
    body.appendChild(el("h3", null, item.tooltip.title));
    if (kind === "node") {
      item.tooltip.lines.forEach(function (line) { body.appendChild(el("p", null, line)); });
      var groups = linkGroups(item.id);
      if (groups.length) { body.appendChild(el("h4", null, "Links")); }
      groups.forEach(function (group) {
        var section = el("div", "nibs-group");
        section.appendChild(el("div", "nibs-group-heading", group.heading + " (" + group.order.length + ")"));
        var list = el("ul", "nibs-neighbours");
        group.order.forEach(function (other) {
          var n = group.items[other].studies;
          var li = el("li");
          li.appendChild(nodeButton(other, n ? " · " + n + (n === 1 ? " study" : " studies") : ""));
          list.appendChild(li);
        });
        section.appendChild(list);
        body.appendChild(section);
      });
    } else {
      (item.evidence || []).forEach(function (record) { body.appendChild(definitionList(record)); });
      if (!item.evidence || !item.evidence.length) { body.appendChild(el("p", "nibs-hint", "No evidence records.")); }
    }
  }

  /* Select a node as a click does: show it (even if its type is hidden), light up its neighbours, list its links. */
  state.select = function (id) {
    var node = state.nodes.get(id);
    if (!node) { return false; }
    if (node.hidden) { state.nodes.update({ id: id, hidden: false }); }
    state.network.selectNodes([id], false);
    highlight(id);
    showDetails("node", state.nodes.get(id));
    return true;
  };
  state.highlight = highlight;

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
    data.nodes.forEach(function (n) { n.title = tooltip(n.tooltip); n.baseColor = n.color; n.baseFont = n.font; });
    data.edges.forEach(function (e) { e.title = tooltip(e.tooltip); e.baseColor = e.color; });
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
      if (params.nodes.length) { state.select(params.nodes[0]); }
      else if (params.edges.length) { showDetails("edge", state.edges.get(params.edges[0])); }
      else if (state.focus !== null && state.focus !== undefined) { highlight(null); }
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
