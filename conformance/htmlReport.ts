/**
 * A checked session (checkedSession.ts) as one self-contained HTML page, and an index of such pages.
 * The page has a timeline with a lane per job: every command, reply and event in order with its line
 * and time, and each job's status in the model after it; the violations, the first one highlighted and
 * explained from the rule catalogue (rules/), with what the model allowed there. Styles and script are
 * inline and a Content-Security-Policy forbids fetching anything; every text taken from the trace is
 * escaped. Pure: the pages are strings, the CLI writes them.
 */
import type { CheckedSession, SessionLine } from './checkedSession.ts';
import { sttNext, statusIndex } from './encoding.ts';
import { escapeMarkup, formatJudged, formatNotApplied } from './report.ts';
import { Inputs, RuleGroups, WarningRules, type Input, type RuleInfo } from './rules/index.ts';
import type { Violation } from './result.ts';

/** A violation as a page shows it: the checker's, or one of verify's own rules. */
export type ReportViolation = Omit<Violation, 'file' | 'rule'> & { readonly rule: string };

export interface SessionPageOptions {
  /** The heading; default the result's file (session) name. */
  readonly title?: string;
  /** The verdict; default the result's. */
  readonly ok?: boolean;
  /** The violations to show; default the result's. */
  readonly violations?: readonly ReportViolation[];
  /** What rule ids outside the checker's catalogue mean (verify's own rules). */
  readonly rules?: Readonly<Record<string, string>>;
  /** Lines shown under the heading (a verify run's seed and replay command, how lines are numbered). */
  readonly notes?: readonly string[];
  /** The index page, linked from the heading. */
  readonly index?: string;
  /** Rows drawn at most; a longer session shows its start, its end and the lines around violations. */
  readonly maxRows?: number;
}

const DEFAULT_MAX_ROWS = 5000;
/** Job lanes drawn at most: the jobs violations name, then the first to appear. */
const MAX_LANES = 64;
/** Rows kept around each violation, at the start and at the end of a session longer than maxRows. */
const AROUND = 200;
const HEAD = 1000;
const TAIL = 300;

const esc = escapeMarkup;

const STYLE = `
:root { --fail: #b3261e; --ok: #1e7b34; --line: #dde2ea; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; }
header { padding: 12px 20px; color: #fff; background: #24364f; }
header.fail { background: var(--fail); }
header.ok { background: var(--ok); }
header h1 { font-size: 18px; margin: 0; overflow-wrap: anywhere; }
header a { color: #fff; }
header p { margin: 4px 0 0; }
.verdict { text-transform: uppercase; letter-spacing: .05em; margin-right: .5em; }
main { padding: 8px 20px 40px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
ul.notes { margin: 0; padding-left: 18px; color: #445; }
.violations { display: flex; gap: 20px; align-items: flex-start; flex-wrap: wrap; }
#violations { flex: 1 1 380px; margin: 0; padding-left: 22px; max-height: 40vh; overflow: auto; }
#violations button { all: unset; cursor: pointer; display: block; padding: 2px 6px; border-radius: 4px; overflow-wrap: anywhere; }
#violations button:hover { background: #f3e4e2; }
#violations button.selected { background: #f8d7d3; font-weight: 600; }
#explanation { flex: 1 1 420px; border: 1px solid var(--line); border-left: 4px solid var(--fail); border-radius: 6px; padding: 8px 14px; background: #fffafa; }
#explanation h3 { margin: 4px 0 8px; font-size: 15px; }
#explanation dt { font-weight: 600; margin-top: 6px; }
#explanation dd { margin: 0 0 0 12px; overflow-wrap: anywhere; }
.group { font-weight: normal; color: #667; }
code { font: 12px/1.4 ui-monospace, monospace; }
.toolbar { margin: 6px 0; }
.scroll { overflow: auto; max-height: 75vh; border: 1px solid var(--line); }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 2px 6px; vertical-align: top; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #f3f5f9; z-index: 1; }
th.lane-head { writing-mode: vertical-rl; transform: rotate(180deg); max-height: 150px; overflow: hidden; text-overflow: ellipsis; font-weight: 600; }
td.ln, td.t { color: #667; text-align: right; }
td.msg { max-width: 60vw; overflow: hidden; text-overflow: ellipsis; }
tr.open td.msg { white-space: pre-wrap; overflow-wrap: anywhere; }
td.msg .full, tr.open td.msg .brief { display: none; }
tr.open td.msg .full { display: inline; }
td.msg .name { font-weight: 600; margin-right: .5em; }
tr.k-command td.dir { color: #2350a0; }
tr.k-event td.dir { color: #7a4a00; }
tr.k-error td.msg .name { color: var(--fail); }
tr.session td { border-top: 3px double #889; }
tr.violation td { background: #fde7e4; }
tr.first td { background: #f9c6bf; }
tr.first td.ln::before { content: "▶ "; color: var(--fail); }
tr.selected td { outline: 2px solid var(--fail); outline-offset: -2px; }
tr.gap td { text-align: center; color: #667; background: #f6f6f6; }
td.lane { text-align: center; font-size: 12px; min-width: 5.5em; color: #334; }
td.lane.touch { font-weight: 700; }
td.lane.touch::before { content: "● "; }
td.lane.changed { box-shadow: inset 0 2px 0 #1d2430; }
.s-created { background: #eceff3; } .s-running { background: #d8e6fb; } .s-ready { background: #d4f0d9; }
.s-paused, .s-standby { background: #fbefc8; } .s-waiting, .s-pending { background: #eadcf7; }
.s-aborting { background: #f8d0cc; } .s-concluded { background: #d9dce2; } .s-null { background: #f4f4f4; color: #999; }
.s-unknown { background: #fff; color: #999; }
`;

const SCRIPT = `
const buttons = Array.from(document.querySelectorAll('#violations button'));
function select(i) {
  for (const b of buttons) b.classList.toggle('selected', b.dataset.index === String(i));
  for (const a of document.querySelectorAll('#explanation article')) a.hidden = a.dataset.index !== String(i);
  for (const r of document.querySelectorAll('#timeline tr.selected')) r.classList.remove('selected');
  const row = document.getElementById('line-' + buttons[i].dataset.line);
  if (row) {
    row.hidden = false;
    row.classList.add('selected');
    row.scrollIntoView({ block: 'center' });
  }
}
buttons.forEach((b, i) => b.addEventListener('click', () => select(i)));
const only = document.getElementById('jobs-only');
if (only) only.addEventListener('change', () => {
  for (const r of document.querySelectorAll('#timeline tr.nojob')) r.hidden = only.checked;
});
for (const r of document.querySelectorAll('#timeline tbody tr[data-line]')) r.addEventListener('click', () => r.classList.toggle('open'));
`;

/** No fetch of any kind: the page is its own styles and script. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

function page(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
${script === '' ? '' : `<script>${script}</script>`}
</body>
</html>
`;
}

interface Explanation {
  readonly group?: string;
  readonly summary: string;
  readonly rule?: RuleInfo;
}

function explain(rule: string, extra: Readonly<Record<string, string>>): Explanation | undefined {
  for (const g of RuleGroups) {
    const info = (g.rules as Readonly<Record<string, RuleInfo>>)[rule];
    if (info !== undefined) return { group: g.title, summary: info.summary, rule: info };
  }
  const text = Object.hasOwn(extra, rule) ? extra[rule] : undefined;
  return text === undefined ? undefined : { summary: text };
}

/** Inline `code` of the catalogue's markdown as <code>, the rest escaped. */
function prose(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${esc(part)}</code>` : esc(part)))
    .join('');
}

function statusClass(cell: string): string {
  return /^[a-z]+$/.test(cell) ? `s-${cell}` : 's-unknown';
}

/** A time as the trace gives it: libvirt's are seconds since the epoch, wire traces' since the session started. */
function when(t: number): { text: string; title: string } {
  if (t >= 1e9) {
    const iso = new Date(t * 1000).toISOString();
    return { text: iso.slice(11, 23), title: iso };
  }
  return { text: t.toFixed(3), title: `${t} s after the session started` };
}

const DIRECTION: Readonly<Record<SessionLine['kind'], string>> = { greeting: '←', command: '→', reply: '←', error: '←', event: '⇐' };

/** The row indexes to draw: all, or for a long session its start, end and the rows around violations. */
function rowsToDraw(lines: readonly SessionLine[], violationLines: readonly number[], maxRows: number): boolean[] {
  const keep = lines.map(() => lines.length <= maxRows);
  if (lines.length <= maxRows) return keep;
  const mark = (from: number, to: number): void => {
    for (let i = Math.max(0, from); i < Math.min(lines.length, to); i++) keep[i] = true;
  };
  mark(0, HEAD);
  mark(lines.length - TAIL, lines.length);
  const rowOf = new Map(lines.map((l, i) => [l.line, i]));
  for (const line of violationLines.slice(0, 50)) {
    const i = rowOf.get(line);
    if (i !== undefined) mark(i - AROUND, i + AROUND + 1);
  }
  return keep;
}

function jobsBefore(session: CheckedSession, row: number, job: string | undefined): string {
  const before = row > 0 ? session.lines[row - 1]!.statuses : [];
  const parts: string[] = [];
  const order = session.lanes.map((id, lane) => ({ id, lane })).sort((a, b) => Number(b.id === job) - Number(a.id === job));
  for (const { id, lane } of order) {
    const cell = before[lane] ?? '';
    if (cell === '' || cell === 'null') continue;
    const next = id === job && statusIndex(cell) >= 0 ? ` (JobSTT allows next: ${sttNext(statusIndex(cell)).join(', ') || 'nothing'})` : '';
    parts.push(`<li><code>${esc(id)}</code>: <span class="${statusClass(cell)}">${esc(cell)}</span>${esc(next)}</li>`);
    if (parts.length >= 20) break;
  }
  return parts.length === 0 ? 'none' : `<ul>${parts.join('')}</ul>`;
}

function explanationHtml(session: CheckedSession, v: ReportViolation, index: number, rows: ReadonlyMap<number, number>, extra: Readonly<Record<string, string>>): string {
  const e = explain(v.rule, extra);
  const needs = e?.rule?.needs ?? [];
  const row = rows.get(v.line);
  const items = [
    `<dt>What happened</dt><dd class="message">${esc(v.message)}</dd>`,
    ...(v.msg === '' ? [] : [`<dt>The message (line ${v.line})</dt><dd><code>${esc(v.msg)}</code></dd>`]),
    `<dt>What the model allowed</dt><dd class="allowed">${esc(v.allowed)}</dd>`,
    ...(row === undefined ? [] : [`<dt>The model's live jobs before this line</dt><dd class="before">${jobsBefore(session, row, v.job)}</dd>`]),
    `<dt>The rule is broken when</dt><dd class="summary">${e ? prose(e.summary) : 'this rule is not in the catalogue'}</dd>`,
    ...(e?.rule ? [`<dt>It reads</dt><dd>${prose(e.rule.reads)}</dd>`] : []),
    ...(needs.length > 0 ? [`<dt>It needs</dt><dd>${needs.map((n: Input) => `<code>${esc(n)}</code>: ${esc(Inputs[n])}`).join('<br>')}</dd>`] : []),
  ];
  const job = v.job === undefined ? '' : `, job <code>${esc(v.job)}</code>`;
  return `<article class="explain" data-index="${index}"${index === 0 ? '' : ' hidden'}>
<h3><code class="rule">${esc(v.rule)}</code> <span class="group">${esc(e?.group ?? '')}</span></h3>
<p>line ${v.line}${job}</p>
<dl>${items.join('\n')}</dl>
<p class="group">Every rule is listed in docs/checker.md.</p>
</article>`;
}

/** The lanes drawn: every lane when they are few, else the violations' jobs and the first jobs to appear. */
function lanesToDraw(lanes: readonly string[], violationJobs: readonly string[]): number[] {
  const all = lanes.map((_, i) => i);
  if (lanes.length <= MAX_LANES) return all;
  const named = new Set(violationJobs);
  const first = all.filter((i) => named.has(lanes[i]!)).slice(0, MAX_LANES);
  const rest = all.filter((i) => !named.has(lanes[i]!)).slice(0, MAX_LANES - first.length);
  return [...first, ...rest].sort((a, b) => a - b);
}

function timelineHtml(session: CheckedSession, violations: readonly ReportViolation[], maxRows: number): string {
  const { lines, lanes } = session;
  const violationLines = violations.map((v) => v.line);
  const drawn = lanesToDraw(lanes, violations.flatMap((v) => (v.job === undefined ? [] : [v.job])));
  const first = violationLines[0];
  const bad = new Set(violationLines);
  const timed = lines.some((l) => l.t !== 0);
  const keep = rowsToDraw(lines, violationLines, maxRows);
  const head = [
    '<th>line</th>',
    ...(timed ? ['<th>time</th>'] : []),
    '<th></th>',
    '<th>message</th>',
    ...drawn.map((lane) => `<th class="lane-head" data-lane="${lane}" title="${esc(lanes[lane]!)}">${esc(lanes[lane]!)}</th>`),
  ];
  const width = head.length;
  const rows: string[] = [];
  let skipped = 0;
  let skippedFrom = 0;
  let skippedTo = 0;
  const flushGap = (): void => {
    if (skipped === 0) return;
    rows.push(`<tr class="gap"><td colspan="${width}">… ${skipped} message(s) not shown, lines ${skippedFrom} to ${skippedTo} …</td></tr>`);
    skipped = 0;
  };
  lines.forEach((l, i) => {
    if (!keep[i]) {
      if (skipped === 0) skippedFrom = l.line;
      skippedTo = l.line;
      skipped++;
      return;
    }
    flushGap();
    const previous = i > 0 ? lines[i - 1]!.statuses : [];
    const classes = [`k-${l.kind}`];
    if (l.touches.length === 0 && !bad.has(l.line)) classes.push('nojob');
    if (bad.has(l.line)) classes.push('violation');
    if (l.line === first) classes.push('first');
    if (l.newSession) classes.push('session');
    const cells = [`<td class="ln">${l.line}${l.lastLine !== undefined ? `–${l.lastLine}` : ''}</td>`];
    if (timed) {
      const w = when(l.t);
      cells.push(`<td class="t" title="${esc(w.title)}">${esc(w.text)}</td>`);
    }
    cells.push(`<td class="dir">${DIRECTION[l.kind]}</td>`);
    cells.push(`<td class="msg" title="click for the whole message"><span class="name">${esc(l.name)}</span><code class="brief">${esc(l.brief)}</code><code class="full">${esc(l.text)}</code></td>`);
    const touched = new Set(l.touches);
    for (const lane of drawn) {
      const cell = l.statuses[lane] ?? '';
      const cls = ['lane'];
      if (cell !== '') cls.push(statusClass(cell));
      if (touched.has(lane)) cls.push('touch');
      if (cell !== (previous[lane] ?? '')) cls.push('changed');
      cells.push(`<td class="${cls.join(' ')}" data-lane="${lane}">${esc(cell)}</td>`);
    }
    rows.push(`<tr id="line-${l.line}" data-line="${l.line}" class="${classes.join(' ')}">${cells.join('')}</tr>`);
  });
  flushGap();
  if (session.omitted > 0) rows.push(`<tr class="gap"><td colspan="${width}">… ${session.omitted} further message(s) checked, not kept …</td></tr>`);
  return `<div class="toolbar"><label><input type="checkbox" id="jobs-only"> only messages about jobs</label>
 · ${lines.length + session.omitted} messages, ${lanes.length} job lane(s)${drawn.length < lanes.length ? ` (${drawn.length} drawn: the jobs of violations and the first to appear)` : ''}; each lane shows the job's status in the model after the message, ● where the message names the job</div>
<div class="scroll"><table id="timeline"><thead><tr>${head.join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

/** The page of one checked session. */
export function sessionHtml(session: CheckedSession, options: SessionPageOptions = {}): string {
  const r = session.result;
  const violations: readonly ReportViolation[] = options.violations ?? r.violations;
  const ok = options.ok ?? r.ok;
  const title = options.title ?? r.file;
  const rows = new Map(session.lines.map((l, i) => [l.line, i]));
  const about = [`QEMU ${r.release} rules (${r.releaseFrom === 'latest' ? 'no greeting: the newest release' : r.releaseFrom === 'option' ? 'as asked' : 'from the greeting'})`, r.style === 'log' ? 'read as a log' : 'read in wire order', `${r.messages} messages`];
  const notes = [...(options.notes ?? []), formatJudged(r), ...formatNotApplied(r)];
  const more = r.moreViolations > 0 && options.violations === undefined ? `<p>… and ${r.moreViolations} more violations, counted but not kept.</p>` : '';
  const violationList =
    violations.length === 0
      ? `<p>${ok ? 'No violation: the session is a behaviour of the model.' : 'No violation recorded.'}</p>`
      : `<div class="violations"><ol id="violations">${violations
          .map((v, i) => `<li><button type="button" data-index="${i}" data-line="${v.line}"${i === 0 ? ' class="selected"' : ''}>line ${v.line} · <code>${esc(v.rule)}</code>${v.job === undefined ? '' : ` · <code>${esc(v.job)}</code>`}: ${esc(v.message)}</button></li>`)
          .join('\n')}</ol>
<div id="explanation">${violations.map((v, i) => explanationHtml(session, v, i, rows, options.rules ?? {})).join('\n')}</div></div>${more}`;
  const warnings =
    r.warnings.length === 0
      ? ''
      : `<h2>Warnings (${r.warnings.length})</h2><ul id="warnings">${r.warnings
          .map((w) => `<li>line ${w.line}: <code>${esc(w.rule)}</code> ${esc(w.message)} <span class="group">(${esc(WarningRules[w.rule] ?? '')})</span></li>`)
          .join('\n')}</ul>`;
  const index = options.index === undefined ? '' : `<p><a href="${esc(options.index)}">all sessions</a></p>`;
  const body = `<header class="${ok ? 'ok' : 'fail'}">
<h1><span class="verdict" id="verdict">${ok ? 'accepted' : 'rejected'}</span> <span id="session">${esc(title)}</span></h1>
<p>${esc(about.join(' · '))}</p>${index}
</header>
<main>
<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>Violations (${violations.length + (options.violations === undefined ? r.moreViolations : 0)})</h2>
${violationList}
${warnings}
<h2>Timeline</h2>
${timelineHtml(session, violations, options.maxRows ?? DEFAULT_MAX_ROWS)}
</main>`;
  return page(`${ok ? 'accepted' : 'REJECTED'}: ${title}`, body, SCRIPT);
}

/** One line of the index page. */
export interface IndexEntry {
  readonly name: string;
  /** The session's page, relative to the index. */
  readonly page: string;
  readonly ok: boolean;
  readonly release: string;
  readonly messages: number;
  readonly violations: number;
  readonly first?: ReportViolation;
}

/** The index of a run's pages, or a page of notes alone (a verify run without a failing session). */
export function indexHtml(title: string, entries: readonly IndexEntry[], notes: readonly string[] = []): string {
  const failed = entries.filter((e) => !e.ok).length;
  const rows = entries.map(
    (e) =>
      `<tr class="${e.ok ? 'ok' : 'fail'}"><td>${e.ok ? 'ok' : '<b>FAIL</b>'}</td><td><a href="${esc(e.page)}">${esc(e.name)}</a></td><td>${esc(e.release)}</td><td>${e.messages}</td><td>${e.violations}</td><td>${
        e.first === undefined ? '' : `line ${e.first.line}: <code>${esc(e.first.rule)}</code> ${esc(e.first.message)}`
      }</td></tr>`,
  );
  const table =
    entries.length === 0
      ? ''
      : `<table id="sessions"><thead><tr><th></th><th>session</th><th>QEMU</th><th>messages</th><th>violations</th><th>first violation</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
  const ok = failed === 0 && !notes.some((n) => n.startsWith('FAIL'));
  const counts = entries.length === 0 ? '' : `<p>${entries.length - failed} passed, ${failed} failed</p>`;
  const body = `<header class="${ok ? 'ok' : 'fail'}"><h1>${esc(title)}</h1>${counts}</header>
<main>
${notes.length === 0 ? '' : `<pre class="notes">${esc(notes.join('\n'))}</pre>`}
${table}
</main>`;
  return page(title, body, '');
}
