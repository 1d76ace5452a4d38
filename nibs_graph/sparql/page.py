"""The small HTML query page served at ``GET /``: works offline, no CDN, inline script and style.

The page posts the textarea's query to ``sparql`` (relative, so it works behind a path prefix) with
``fetch`` and renders the answer with DOM text nodes only (``textContent``, never ``innerHTML``). The example
queries shipped in ``queries/`` fill a drop-down list; they travel in a JSON data block that is never executed.
The response carries a Content-Security-Policy that allows exactly the inline script and style by their
hashes, and requests only to the page's own origin.

>>> html, csp = render_page([("hubs.rq", "SELECT * {}")])
>>> "innerHTML" in html, "script-src 'sha256-" in csp
(False, True)
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json

__all__ = ["SCRIPT", "STYLE", "render_page"]

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
p.note { color: #555; margin: 0 0 1rem; }
textarea { width: 100%; min-height: 14rem; font: 13px/1.4 ui-monospace, monospace; box-sizing: border-box; }
.bar { display: flex; gap: .6rem; align-items: center; margin: .5rem 0; flex-wrap: wrap; }
button { padding: .35rem 1rem; }
#status { color: #555; }
#status.error { color: #a00; }
table { border-collapse: collapse; margin-top: .5rem; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { background: #f7f7f7; padding: .6rem; overflow: auto; font-size: 13px; }
"""

SCRIPT = """
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var select = document.getElementById("example");
  var query = document.getElementById("query");
  var status = document.getElementById("status");
  var out = document.getElementById("out");
  examples.forEach(function (item, i) {
    var option = document.createElement("option");
    option.value = String(i);
    option.textContent = item[0];
    select.appendChild(option);
  });
  select.addEventListener("change", function () {
    if (select.value !== "") { query.value = examples[Number(select.value)][1]; }
  });
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function say(text, isError) { status.textContent = text; status.className = isError ? "error" : ""; }
  var prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  /* An IRI as a CURIE of the documented prefixes (the longest namespace that matches), else as it is. */
  function curie(iri) {
    var best = "", name = "";
    Object.keys(prefixes).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && ns.length > best.length) { best = ns; name = p; }
    });
    var local = iri.slice(best.length);
    return best && local && !/[ <>"{}|^`]/.test(local) ? name + ":" + local : iri;
  }
  function cell(term) {
    if (!term) { return ""; }
    if (term.type === "literal" && term["xml:lang"]) { return term.value + " @" + term["xml:lang"]; }
    if (term.type === "bnode") { return "_:" + term.value; }
    if (term.type === "uri") { return curie(term.value); }
    return term.value;
  }
  window.nibsCurie = curie;
  function table(data) {
    var vars = data.head.vars || [];
    var rows = data.results.bindings;
    var t = document.createElement("table");
    var head = t.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    });
    var body = t.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.insertCell().textContent = cell(row[v]); });
    });
    out.appendChild(t);
    say(rows.length + (rows.length === 1 ? " row" : " rows"), false);
  }
  document.getElementById("form").addEventListener("submit", function (event) {
    event.preventDefault();
    clear(out);
    say("running\\u2026", false);
    var started = performance.now();
    fetch("sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: query.value
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) { return [response, type, text]; });
    }).then(function (parts) {
      var response = parts[0], type = parts[1], text = parts[2];
      var ms = Math.round(performance.now() - started);
      if (!response.ok) { say(text.trim() + " (" + ms + " ms)", true); return; }
      if (type.indexOf("application/sparql-results+json") === 0) {
        var data = JSON.parse(text);
        if (typeof data.boolean === "boolean") {
          var p = document.createElement("p");
          p.textContent = String(data.boolean);
          out.appendChild(p);
          say("ASK answered in " + ms + " ms", false);
        } else {
          table(data);
          status.textContent += " in " + ms + " ms";
        }
      } else {
        var pre = document.createElement("pre");
        pre.textContent = text;
        out.appendChild(pre);
        say("graph answered in " + ms + " ms", false);
      }
    }).catch(function (error) { say("request failed: " + error, true); });
  });
})();
"""

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nibs-graph SPARQL</title>
<style>{style}</style>
</head>
<body>
<h1>nibs-graph SPARQL endpoint</h1>
<p class="note">SPARQL 1.1 queries over the nibs-graph knowledge graph (read-only). Documented prefixes
(nibs, nibsdata, HGNC, FPLX, CHEBI, rdfs, skos, prov &hellip;) are bound, and results show IRIs in those
prefixes as CURIEs (<code>nibs:InVivo</code>). Queries stop after {timeout} s and
answer at most {max_results} rows. Endpoint: <code>sparql</code> (SPARQL 1.1 Protocol).</p>
<form id="form">
<div class="bar"><label for="example">Example:</label>
<select id="example"><option value="">choose an example query</option></select></div>
<textarea id="query" name="query" spellcheck="false" aria-label="SPARQL query">{default_query}</textarea>
<div class="bar"><button type="submit">Run query</button><span id="status" role="status"></span></div>
</form>
<div id="out"></div>
<script type="application/json" id="examples">{examples}</script>
<script type="application/json" id="prefixes">{prefixes}</script>
<script>{script}</script>
</body>
</html>
"""

_DEFAULT_QUERY = """SELECT ?technique ?label WHERE {
  ?technique rdfs:subClassOf+ nibs:NIBS ; rdfs:label ?label .
}
ORDER BY ?label"""


def _json_block(value: object) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped."""
    return json.dumps(value, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def render_page(examples: list[tuple[str, str]], *, timeout: float = 10.0, max_results: int = 10000) -> tuple[str, str]:
    """The page's HTML and its Content-Security-Policy header value.

    Parameters
    ----------
    examples:
        (name, query text) pairs for the drop-down list.
    timeout, max_results:
        The endpoint's limits, stated on the page.
    """
    from .guard import DEFAULT_PREFIXES

    data = _json_block(examples)
    page = _TEMPLATE.format(
        prefixes=_json_block(DEFAULT_PREFIXES),
        style=STYLE,
        script=SCRIPT,
        examples=data,
        default_query=html_lib.escape(_DEFAULT_QUERY),
        timeout=f"{timeout:g}",
        max_results=max_results,
    )
    csp = (
        f"default-src 'none'; script-src {_sha256(SCRIPT)}; style-src {_sha256(STYLE)}; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return page, csp
