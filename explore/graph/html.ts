/**
 * One self-contained HTML page to explore the graph: the job's status graph (click an edge or a status
 * for its events and trace counts), the verb table of any release, coverage from traces, and the
 * status graph of a small group. Inline SVG, data and script; nothing is fetched.
 */
import type { GraphData } from './data.ts';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; }
header { background: #24364f; color: #fff; padding: 12px 20px; }
header h1 { font-size: 18px; margin: 0; }
nav { display: flex; gap: 4px; padding: 8px 20px 0; border-bottom: 1px solid #ccd; }
nav button { border: 1px solid #ccd; border-bottom: none; background: #f3f5f9; padding: 6px 12px; cursor: pointer; border-radius: 6px 6px 0 0; }
nav button[aria-selected="true"] { background: #fff; font-weight: 600; }
section { padding: 16px 20px; }
section[hidden] { display: none; }
.layout { display: flex; gap: 24px; align-items: flex-start; }
.svg { flex: 1 1 auto; overflow: auto; max-width: 70vw; }
.svg svg { max-width: 100%; height: auto; }
.svg g.edge, .svg g.node { cursor: pointer; }
.svg g.selected path, .svg g.selected polygon { stroke: #e07a00; stroke-width: 3; }
#details { flex: 0 0 300px; border: 1px solid #dde; border-radius: 6px; padding: 10px 14px; background: #fafbfd; min-height: 80px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #dde; padding: 3px 8px; text-align: center; }
th:first-child, td:first-child { text-align: left; }
td.yes { background: #d7f0da; }
td.no { color: #bbb; }
td.zero { background: #fde3e3; }
`;

const SCRIPT = `
const data = JSON.parse(document.getElementById('graph-data').textContent);
const tabs = document.querySelectorAll('nav button');
for (const b of tabs) b.addEventListener('click', () => {
  for (const t of tabs) t.setAttribute('aria-selected', String(t === b));
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== b.dataset.tab;
});
const details = document.getElementById('details');
function show(html) { details.innerHTML = html; }
const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
for (const g of document.querySelectorAll('#graph .svg g.edge')) {
  g.addEventListener('click', () => {
    for (const o of document.querySelectorAll('#graph .selected')) o.classList.remove('selected');
    g.classList.add('selected');
    const [from, to] = g.id.replace(/^edge-/, '').split('-');
    const e = data.edges.find((x) => x.from === from && x.to === to);
    if (!e) return;
    const traced = e.traces === undefined ? '' : '<p>recorded traces: <b>' + e.traces + '</b></p>';
    show('<h3>' + esc(from) + ' → ' + esc(to) + '</h3><p>taken by:</p><ul>' + e.events.map((x) => '<li><code>' + esc(x) + '</code></li>').join('') + '</ul>' + traced);
  });
}
for (const g of document.querySelectorAll('#graph .svg g.node')) {
  g.addEventListener('click', () => {
    const s = g.id.replace(/^status-/, '');
    const out = data.edges.filter((x) => x.from === s).map((x) => x.to);
    const into = data.edges.filter((x) => x.to === s).map((x) => x.from);
    const latest = data.verbTables[data.verbTables.length - 1].table;
    const verbs = Object.keys(latest).filter((v) => latest[v].includes(s));
    show('<h3>' + esc(s) + '</h3><p>from: ' + esc(into.join(', ') || '—') + '</p><p>to: ' + esc(out.join(', ') || '—') + '</p><p>verbs accepted (newest release): ' + esc(verbs.join(', ') || 'none') + '</p>');
  });
}
const select = document.getElementById('release');
function renderVerbs() {
  const entry = data.verbTables.find((t) => t.since === select.value);
  const verbs = Object.keys(entry.table);
  let html = '<tr><th>verb \\\\ status</th>' + data.statuses.map((s) => '<th>' + s + '</th>').join('') + '</tr>';
  for (const v of verbs) html += '<tr data-verb="' + v + '"><td>' + v + '</td>' + data.statuses.map((s) => entry.table[v].includes(s) ? '<td class="yes" data-status="' + s + '">✓</td>' : '<td class="no" data-status="' + s + '">·</td>').join('') + '</tr>';
  document.getElementById('verb-table').innerHTML = html;
}
select.addEventListener('change', renderVerbs);
renderVerbs();
`;

export function graphHtml(data: GraphData, svgs: { readonly job: string; readonly group?: string }): string {
  const traced = data.traces !== undefined;
  const coverageRows = data.edges
    .map((e) => {
      const n = e.traces ?? 0;
      const cls = traced && n === 0 ? ' class="zero"' : '';
      return `<tr><td>${e.from} → ${e.to}</td><td${cls}>${traced ? n : '—'}</td><td style="text-align:left">${escapeHtml(e.events.join(', '))}</td></tr>`;
    })
    .join('\n');
  const covered = data.edges.filter((e) => (e.traces ?? 0) > 0).length;
  const tracesLine = data.traces
    ? `<p>${data.traces.files} trace file(s), ${data.traces.transitions} status changes; ${covered} of ${data.edges.length} edges taken.${
        Object.keys(data.traces.outsideStt).length > 0 ? ` Outside JobSTT: ${escapeHtml(JSON.stringify(data.traces.outsideStt))}` : ''
      }</p>`
    : '<p>No traces given (<code>qjob graph --traces &lt;dir&gt;</code> lays recorded sessions over the graph).</p>';
  const releases = data.verbTables.map((t) => `<option value="${t.since}"${t === data.verbTables[data.verbTables.length - 1] ? ' selected' : ''}>${t.since} and later</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>QEMU ${data.release} job transition graph</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>QEMU ${data.release}: the job status graph (JobSTT), verbs and coverage</h1></header>
<nav>
<button data-tab="graph" aria-selected="true">Graph</button>
<button data-tab="verbs" aria-selected="false">Verb tables</button>
<button data-tab="coverage" aria-selected="false">Coverage</button>
${svgs.group ? '<button data-tab="group" aria-selected="false">Two grouped jobs</button>' : ''}
</nav>
<main>
<section id="graph">
<p>Click a status or an edge.${traced ? ' Green edges were taken by the recorded traces (×count), red dashed ones never.' : ''}</p>
<div class="layout"><div class="svg">${svgs.job}</div><div id="details"><p>Nothing selected.</p></div></div>
</section>
<section id="verbs" hidden>
<p>JobVerbTable: the statuses that accept each verb. <label>Release <select id="release">${releases}</select></label></p>
<table id="verb-table"></table>
</section>
<section id="coverage" hidden>
${tracesLine}
<table><tr><th>edge</th><th>traces</th><th>events of the model that take it</th></tr>
${coverageRows}
</table>
</section>
${svgs.group ? `<section id="group" hidden><p>Two backups in a grouped transaction, as a client drives them (statuses of j0, j1).</p><div class="svg">${svgs.group}</div></section>` : ''}
</main>
<script type="application/json" id="graph-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
