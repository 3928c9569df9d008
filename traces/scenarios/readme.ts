/**
 * The README of a corpus folder, generated from the traces in it (their meta lines and messages), so it
 * always describes what was recorded. `qjob record-corpus` writes it; docs/corpus.md embeds the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TraceLine, TraceMeta } from '../format.ts';
import { parseWireLine } from '../reader.ts';
import { scenarioFamilies } from './index.ts';
import { summarizeTrace, type TraceSummary } from './summary.ts';

export interface CorpusTrace {
  readonly file: string;
  readonly meta: TraceMeta;
  readonly lines: readonly TraceLine[];
  readonly summary: TraceSummary;
}

/** Reads every `*.jsonl` in `dir` (sorted by name). */
export function readCorpus(dir: string): CorpusTrace[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort() : [];
  return files.map((name) => {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    let meta: TraceMeta = {};
    const lines: TraceLine[] = [];
    text.split('\n').forEach((raw, i) => {
      const item = parseWireLine(raw, i + 1, file, i === 0);
      if (item === undefined) return;
      if ('meta' in item) meta = item.meta;
      else lines.push(item);
    });
    return { file, meta, lines, summary: summarizeTrace(lines) };
  });
}

const STATUS_COLUMNS = ['running', 'paused', 'ready', 'standby', 'waiting', 'pending', 'concluded', 'absent'] as const;
const STATUS_ORDER = ['created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending', 'aborting', 'concluded', 'null'];

function versionOf(traces: readonly CorpusTrace[]): string {
  for (const t of traces) {
    const greeting = t.lines.find((l) => l.dir === 'recv' && 'QMP' in l.msg)?.msg['QMP'] as { version?: { qemu?: { major: number; minor: number; micro: number } } } | undefined;
    const v = greeting?.version?.qemu;
    if (v !== undefined) return `${v.major}.${v.minor}.${v.micro}`;
  }
  return 'unknown';
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** One row per trace: scenario, job types, statuses seen, verb commands sent. */
export function scenarioTable(traces: readonly CorpusTrace[], withDescription = true): string {
  const head = withDescription ? '| scenario | job types | statuses | verbs (status when sent) | what it does |' : '| scenario | job types | statuses | verbs (status when sent) |';
  const rows = traces.map((t) => {
    const name = String(t.meta.scenario ?? path.basename(t.file, '.jsonl'));
    const types = [...t.summary.jobTypes].sort().join(', ') || '-';
    const statuses = STATUS_ORDER.filter((s) => t.summary.statuses.has(s)).join(', ') || '-';
    const verbs = [...t.summary.verbs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([v, s]) => `${v}@${[...s].sort().join('/')}`).join(', ') || '-';
    const hang = t.summary.unanswered ? ' **(no reply: QEMU hangs)**' : '';
    const cols = [`\`${name}\`${hang}`, types, statuses, verbs];
    if (withDescription) cols.push(cell(String(t.meta.desc ?? '')));
    return `| ${cols.map(cell).join(' | ')} |`;
  });
  return [head, `|${head.split('|').slice(1, -1).map(() => '---').join('|')}|`, ...rows].join('\n');
}

/** Verb command × status of its job when sent: how many sessions sent it there. */
export function verbMatrix(traces: readonly CorpusTrace[]): string {
  const counts = new Map<string, Map<string, number>>();
  for (const t of traces) {
    for (const [verb, where] of t.summary.verbs) {
      let row = counts.get(verb);
      if (row === undefined) counts.set(verb, (row = new Map()));
      for (const s of where) row.set(s, (row.get(s) ?? 0) + 1);
    }
  }
  const verbs = [...counts.keys()].sort((a, b) => (a.startsWith('job-') === b.startsWith('job-') ? a.localeCompare(b) : a.startsWith('job-') ? -1 : 1));
  const head = `| command | ${STATUS_COLUMNS.join(' | ')} |`;
  const rows = verbs.map((v) => `| \`${v}\` | ${STATUS_COLUMNS.map((s) => String(counts.get(v)?.get(s) ?? '.')).join(' | ')} |`);
  return [head, `|---|${STATUS_COLUMNS.map(() => '---').join('|')}|`, ...rows].join('\n');
}

export function corpusReadme(dir: string): string {
  const traces = readCorpus(dir);
  const version = versionOf(traces);
  const release = version.split('.').slice(0, 2).join('.');
  // traces/qemu-system-X.Y holds the snapshot scenarios, recorded from a qemu-system-x86_64.
  const system = path.basename(dir).startsWith('qemu-system-');
  const program = system ? 'qemu-system-x86_64' : 'qemu-storage-daemon';
  const folder = system ? `traces/qemu-system-${release}` : `traces/qemu-${release}`;
  return [
    `# Corpus: QEMU ${version} (${program})`,
    '',
    `${traces.length} QMP sessions recorded by \`qjob record-corpus\` from a real ${program} ${version}, one per scenario`,
    "script in `traces/scenarios/`. Each file starts with its meta line (scenario, description, release, set-up), then every",
    'message in both directions from the greeting on, unfiltered. This README is generated from the traces; do not edit it.',
    '',
    system
      ? `Record again (\`--qemu qemu-system:${release}\` for the installed one, or \`qemu-system:PATH\`; only the snapshot scenarios, which need a qemu-system):`
      : `Record again (\`--qemu\` takes the path of a qemu-storage-daemon ${release}, or \`${release}\` for the installed one; the`,
    ...(system ? [] : ["scenarios the release supports are chosen from the daemon's greeting):"]),
    '',
    '```sh',
    system ? `npx qjob record-corpus --qemu qemu-system:${release} --out ${folder}` : `npx qjob record-corpus --qemu ${release} --out ${folder} --docs docs/corpus.md`,
    '```',
    '',
    'Check and replay:',
    '',
    '```sh',
    `npx qjob check ${folder}`,
    `npx qjob replay ${folder}/<scenario>.jsonl --target ${system ? 'qemu-system' : 'qemu'}:${release}`,
    '```',
    '',
    '## Sessions',
    '',
    scenarioTable(traces),
    '',
    '## Verb commands by the status of their job when sent',
    '',
    'Number of sessions that sent the command while the job was in that status (`absent`: no such job, or dismissed).',
    '',
    verbMatrix(traces),
    '',
  ].join('\n');
}

/** The family (scenario file) each scenario comes from. */
function familyOf(families: readonly { readonly family: string; readonly scenarios: readonly { readonly name: string }[] }[], name: string): string {
  return families.find((f) => f.scenarios.some((s) => s.name === name))?.family ?? '-';
}

/**
 * docs/corpus.md's table: one row per scenario over every corpus folder given (release → folder), with the
 * releases it was recorded from and the union of what its sessions cover.
 */
export function corpusDocTable(
  corpora: readonly { readonly release: string; readonly dir: string }[],
  families: readonly { readonly family: string; readonly scenarios: readonly { readonly name: string }[] }[],
): string {
  const rows = new Map<string, { releases: string[]; types: Set<string>; statuses: Set<string>; verbs: Map<string, Set<string>>; hangs: string[] }>();
  for (const { release, dir } of corpora) {
    for (const t of readCorpus(dir)) {
      const name = String(t.meta.scenario);
      let row = rows.get(name);
      if (row === undefined) rows.set(name, (row = { releases: [], types: new Set(), statuses: new Set(), verbs: new Map(), hangs: [] }));
      row.releases.push(release);
      if (t.summary.unanswered) row.hangs.push(release);
      for (const x of t.summary.jobTypes) row.types.add(x);
      for (const x of t.summary.statuses) row.statuses.add(x);
      for (const [v, where] of t.summary.verbs) {
        let set = row.verbs.get(v);
        if (set === undefined) row.verbs.set(v, (set = new Set()));
        for (const s of where) set.add(s);
      }
    }
  }
  const order = families.flatMap((f) => f.scenarios.map((s) => s.name));
  const names = [...rows.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const head = '| scenario | family | releases | job types | statuses | verbs (status when sent) |';
  const lines = names.map((name) => {
    const r = rows.get(name)!;
    const hang = r.hangs.length > 0 ? ` (no reply on ${r.hangs.join(', ')}: QEMU hangs)` : '';
    const verbs = [...r.verbs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([v, s]) => `${v}@${[...s].sort().join('/')}`).join(', ') || '-';
    const statuses = STATUS_ORDER.filter((s) => r.statuses.has(s)).join(', ') || '-';
    return `| ${[`\`${name}\``, familyOf(families, name), r.releases.join(', ') + hang, [...r.types].sort().join(', ') || '-', statuses, verbs].map(cell).join(' | ')} |`;
  });
  return [head, '|---|---|---|---|---|---|', ...lines].join('\n');
}

export const DOC_BEGIN = '<!-- BEGIN GENERATED: corpus-table (npx qjob record-corpus --docs docs/corpus.md) -->';
export const DOC_END = '<!-- END GENERATED: corpus-table -->';

/** The doc's text with its generated section replaced by `table`. */
export function withDocTable(doc: string, table: string): string {
  const begin = doc.indexOf(DOC_BEGIN);
  const end = doc.indexOf(DOC_END);
  if (begin < 0 || end < begin) throw new Error(`the doc has no ${DOC_BEGIN} ... ${DOC_END} section`);
  return `${doc.slice(0, begin + DOC_BEGIN.length)}\n${table}\n${doc.slice(end)}`;
}

/** The corpus folders `qemu-X.Y` in `dir`, oldest release first. */
export function corpusFolders(dir: string): { release: string; dir: string }[] {
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => /^qemu-(\d+\.\d+)$/.exec(name)).filter((m) => m !== null) : [];
  return found
    .map((m) => ({ release: m[1]!, dir: path.join(dir, m[0]) }))
    .sort((a, b) => a.release.localeCompare(b.release, undefined, { numeric: true }));
}

/** Rewrites the generated table of a doc (docs/corpus.md) from the corpus folders in `tracesDir`. */
export function updateCorpusDoc(doc: string, tracesDir: string): void {
  fs.writeFileSync(doc, withDocTable(fs.readFileSync(doc, 'utf8'), corpusDocTable(corpusFolders(tracesDir), scenarioFamilies)));
}
