/**
 * `qjob merge <report>...`: puts together the JSON and JUnit reports of `qjob check` runs (the shards
 * of a CI matrix, say) and gives their combined verdict and exit code: 0 when every trace conforms, 1
 * when one violates a rule, 2 when any part had unusable input, a report cannot be read, or the reports
 * of one shard plan (recorded by check, cli/commands/check.ts) miss a shard, repeat one, or check a file
 * twice or not the plan's number of files.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { printable } from '../../traces/printable.ts';
import { INPUT_FORMATS, type InputFormat } from '../../traces/reader.ts';
import type { CommandSpec } from '../command.ts';
import { JUNIT_PLAN_PROPERTY, type CheckPlan } from './check.ts';

/** Largest report read, in bytes: far above what a check of a large corpus writes. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

/** A report that is not one `qjob check` writes: names the report and the problem. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
}

interface Verdict {
  readonly file: string;
  readonly ok: boolean;
  /** For a failed trace: how many violations and the first one. */
  readonly detail?: string;
}

/** One `qjob check` report, read. */
export interface CheckReport {
  readonly source: string;
  readonly plan?: CheckPlan;
  readonly verdicts: readonly Verdict[];
  /** Unusable inputs, as `file:line: reason`. */
  readonly unusable: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Reads the plan a report records; throws a message naming what is wrong. */
function readPlan(v: unknown): CheckPlan {
  if (!isRecord(v)) throw new Error('"shard" is not an object');
  const { k, n, files, selected, paths, strict, release, inputFormat } = v;
  if (!isCount(n) || n < 1 || !isCount(k) || k < 1 || k > n) throw new Error('"shard" has no k and n with 1 <= k <= n');
  if (!isCount(files) || !isCount(selected) || selected > files) throw new Error('"shard" has no files and selected counts (selected <= files)');
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) throw new Error('"shard".paths is not a list of paths');
  if (typeof strict !== 'boolean') throw new Error('"shard".strict is not true or false');
  if (release !== undefined && typeof release !== 'string') throw new Error('"shard".release is not a string');
  if (inputFormat !== undefined && !INPUT_FORMATS.includes(inputFormat as InputFormat)) throw new Error(`"shard".inputFormat is not one of ${INPUT_FORMATS.join(', ')}`);
  return {
    k,
    n,
    files,
    selected,
    paths: paths as string[],
    strict,
    ...(release === undefined ? {} : { release }),
    ...(inputFormat === undefined ? {} : { inputFormat: inputFormat as InputFormat }),
  };
}

/** The JUnit failure message formatJunit writes, from a JSON result. */
function failureDetail(violations: readonly unknown[], more: number): string {
  const n = violations.length + more;
  const first = violations[0];
  const where = isRecord(first) ? `; first: [${String(first['rule'])}] line ${String(first['line'])}` : '';
  return `${n} violation${n === 1 ? '' : 's'}${where}`;
}

function unusableText(file: string, line: number, reason: string): string {
  return line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`;
}

/** Reads the JSON `qjob check --format json` writes. */
export function readJsonReport(source: string, text: string): CheckReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ReportError(`${source}: not JSON (${(error as Error).message}): a report cut short?`);
  }
  const bad = (what: string): ReportError => new ReportError(`${source}: not a qjob check JSON report: ${what}`);
  if (!isRecord(doc) || !Array.isArray(doc['results']) || !isCount(doc['passed']) || !isCount(doc['failed'])) throw bad('no passed, failed and results');
  const verdicts: Verdict[] = [];
  for (const [i, r] of doc['results'].entries()) {
    if (!isRecord(r) || typeof r['file'] !== 'string' || typeof r['ok'] !== 'boolean') throw bad(`results[${i}] has no file and ok`);
    const violations = Array.isArray(r['violations']) ? r['violations'] : [];
    const more = isCount(r['moreViolations']) ? r['moreViolations'] : 0;
    verdicts.push(r['ok'] ? { file: r['file'], ok: true } : { file: r['file'], ok: false, detail: failureDetail(violations, more) });
  }
  const failed = verdicts.filter((v) => !v.ok).length;
  if (failed !== doc['failed'] || verdicts.length - failed !== doc['passed']) throw bad('passed and failed do not count its results');
  const unusable: string[] = [];
  const errors = doc['errors'] ?? [];
  if (!Array.isArray(errors)) throw bad('"errors" is not a list');
  for (const [i, e] of errors.entries()) {
    if (!isRecord(e) || typeof e['file'] !== 'string' || !isCount(e['line']) || typeof e['message'] !== 'string') throw bad(`errors[${i}] has no file, line and message`);
    unusable.push(unusableText(e['file'], e['line'], e['message']));
  }
  let plan: CheckPlan | undefined;
  try {
    plan = doc['shard'] === undefined ? undefined : readPlan(doc['shard']);
  } catch (error) {
    throw bad((error as Error).message);
  }
  return { source, ...(plan === undefined ? {} : { plan }), verdicts, unusable };
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e]!;
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w.:-]+)="([^"]*)"/g)) out.set(m[1]!, unescapeXml(m[2]!));
  return out;
}

/** Reads the JUnit XML `qjob check --format junit` writes (not JUnit from other tools). */
export function readJunitReport(source: string, text: string): CheckReport {
  const bad = (what: string): ReportError => new ReportError(`${source}: not a qjob check JUnit report: ${what}`);
  const suite = /<testsuite\s([^>]*)>/.exec(text);
  if (suite === null || attributes(suite[1]!).get('name') !== 'qjob check') throw bad('no <testsuite name="qjob check">');
  if (!/<\/testsuite>\s*$/.test(text)) throw bad('no closing </testsuite>: a report cut short?');
  const head = attributes(suite[1]!);
  const verdicts: Verdict[] = [];
  const unusable: string[] = [];
  let cases = 0;
  for (const m of text.matchAll(/<testcase\s([^>]*)>([\s\S]*?)<\/testcase>/g)) {
    cases++;
    const file = attributes(m[1]!).get('name');
    if (file === undefined) throw bad(`testcase ${cases} has no name`);
    const body = m[2]!;
    const error = /<error\s([^>]*?)\/?>/.exec(body);
    const failure = /<failure\s([^>]*)>/.exec(body);
    if (error !== null) unusable.push(attributes(error[1]!).get('message') ?? `${file}: unusable`);
    else if (failure !== null) verdicts.push({ file, ok: false, detail: attributes(failure[1]!).get('message') ?? 'failed' });
    else verdicts.push({ file, ok: true });
  }
  if (String(cases) !== head.get('tests')) throw bad(`tests="${head.get('tests') ?? ''}" but ${cases} testcases`);
  const property = [...text.matchAll(/<property\s([^>]*?)\/?>/g)].map((p) => attributes(p[1]!)).find((a) => a.get('name') === JUNIT_PLAN_PROPERTY);
  let plan: CheckPlan | undefined;
  try {
    plan = property === undefined ? undefined : readPlan(JSON.parse(property.get('value') ?? ''));
  } catch (error) {
    throw bad(`property ${JUNIT_PLAN_PROPERTY}: ${(error as Error).message}`);
  }
  return { source, ...(plan === undefined ? {} : { plan }), verdicts, unusable };
}

/** Reads a report file, JSON or JUnit by its first character. */
export async function readCheckReport(path: string): Promise<CheckReport> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ReportError(`${path}: not a file`);
    if (info.size > MAX_REPORT_BYTES) throw new ReportError(`${path}: larger than ${MAX_REPORT_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ReportError) throw error;
    throw new ReportError(`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const start = text.trimStart()[0];
  if (start === '{') return readJsonReport(path, text);
  if (start === '<') return readJunitReport(path, text);
  throw new ReportError(`${path}: neither a JSON nor a JUnit report of qjob check`);
}

/** The plan without what differs between its shards: reports with the same key are shards of one plan. */
function planKey(p: CheckPlan): string {
  return JSON.stringify([p.n, p.files, p.paths, p.strict, p.release ?? null, p.inputFormat ?? null]);
}

function describePlan(p: CheckPlan): string {
  const options = [...(p.release === undefined ? [] : [`--release ${p.release}`]), ...(p.strict ? ['--strict'] : []), ...(p.inputFormat === undefined ? [] : [`--input-format ${p.inputFormat}`])];
  return `${[...p.paths, ...options].join(' ')} (${p.n} shard${p.n === 1 ? '' : 's'}, ${p.files} files)`;
}

/** What is wrong with a set of reports of one plan: missing or repeated shards, files checked twice or not at all. */
export function planProblems(plan: CheckPlan, reports: readonly CheckReport[]): string[] {
  const problems: string[] = [];
  const byShard = new Map<number, string[]>();
  for (const r of reports) byShard.set(r.plan!.k, [...(byShard.get(r.plan!.k) ?? []), r.source]);
  const missing = Array.from({ length: plan.n }, (_, i) => i + 1).filter((k) => !byShard.has(k));
  if (missing.length > 0) problems.push(`shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${plan.n}`).join(', ')} missing`);
  for (const [k, sources] of [...byShard].sort((a, b) => a[0] - b[0])) {
    if (sources.length > 1) problems.push(`shard ${k}/${plan.n} given ${sources.length} times (${sources.join(', ')})`);
  }
  // A file in two shards; files of a shard given twice are already named by the shard.
  const seen = new Map<string, CheckReport>();
  let twice = 0;
  for (const r of reports) {
    for (const v of r.verdicts) {
      const other = seen.get(v.file);
      if (other === undefined) seen.set(v.file, r);
      else if (other.plan!.k !== r.plan!.k && twice++ < 5) problems.push(`${v.file} checked by both ${other.source} and ${r.source}`);
    }
  }
  if (twice > 5) problems.push(`... and ${twice - 5} more files checked twice`);
  const selected = [...byShard.keys()].reduce((sum, k) => sum + reports.find((r) => r.plan!.k === k)!.plan!.selected, 0);
  if (missing.length === 0 && selected !== plan.files) problems.push(`its shards checked ${selected} files, not the plan's ${plan.files}`);
  return problems;
}

export interface Merged {
  readonly passed: number;
  readonly failed: number;
  readonly unusable: readonly string[];
  /** One line per plan: its paths and whether its shards are all there. */
  readonly plans: readonly string[];
  readonly problems: readonly string[];
  readonly failures: readonly Verdict[];
  readonly exitCode: number;
}

/** The combined verdict of reports already read. Unusable inputs that the shards of a plan share are counted once. */
export function mergeReports(reports: readonly CheckReport[]): Merged {
  const groups = new Map<string, CheckReport[]>();
  for (const [i, r] of reports.entries()) {
    const key = r.plan === undefined ? `report ${i}` : planKey(r.plan);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const plans: string[] = [];
  const problems: string[] = [];
  const unusable: string[] = [];
  for (const group of groups.values()) {
    const plan = group[0]!.plan;
    const shared = new Set<string>();
    for (const u of group.flatMap((r) => r.unusable)) {
      if (shared.has(u)) continue;
      shared.add(u);
      unusable.push(u);
    }
    if (plan === undefined) continue;
    const wrong = planProblems(plan, group);
    plans.push(`plan ${describePlan(plan)}: ${wrong.length === 0 ? 'complete' : 'incomplete'}`);
    problems.push(...wrong.map((w) => `plan ${describePlan(plan)}: ${w}`));
  }
  const verdicts = reports.flatMap((r) => r.verdicts);
  const failures = verdicts.filter((v) => !v.ok);
  const passed = verdicts.length - failures.length;
  if (verdicts.length + unusable.length === 0) problems.push('the reports hold no verdict: nothing was checked');
  const exitCode = problems.length > 0 || unusable.length > 0 ? 2 : failures.length > 0 ? 1 : 0;
  return { passed, failed: failures.length, unusable, plans, problems, failures, exitCode };
}

/** The merged verdict as text: failures, unusable inputs, plans, then "<P> passed, <F> failed, <U> unusable". */
export function formatMerged(m: Merged, reports: number): string {
  const out = [
    ...m.failures.map((v) => `FAIL ${v.file}${v.detail === undefined ? '' : `: ${v.detail}`}`),
    ...m.unusable.map((u) => `unusable: ${u}`),
    ...m.plans,
    `${m.passed} passed, ${m.failed} failed, ${m.unusable.length} unusable (${reports} report${reports === 1 ? '' : 's'})`,
  ];
  return out.map(printable).join('\n') + '\n';
}

export const mergeCommand: CommandSpec = {
  name: 'merge',
  summary: 'combine the JSON or JUnit reports of qjob check runs (CI shards) into one verdict',
  description:
    'Reads reports written by qjob check --format json or --format junit (the two may be mixed), prints the traces that ' +
    'failed, the unusable inputs and one line per shard plan, and exits as one check of all of them would: 0 all ' +
    'conform, 1 some trace violates a rule, 2 unusable input in any part. Reports of one plan (same paths and ' +
    'options, --shard k/n with the same n) must be its n shards exactly once each: a missing or repeated shard, or a ' +
    'file checked by two shards, is named on stderr and exits 2. See docs/ci.md.',
  configure(cmd: Command) {
    cmd.argument('<reports...>', 'report files of qjob check (--format json or junit)');
  },
  async run(_cmd: Command, args: unknown[]) {
    const paths = (args[0] as string[] | undefined) ?? [];
    const reports: CheckReport[] = [];
    let unreadable = 0;
    for (const path of paths) {
      try {
        reports.push(await readCheckReport(path));
      } catch (error) {
        if (!(error instanceof ReportError)) throw error;
        unreadable++;
        process.stderr.write(`qjob: ${printable(error.message)}\n`);
      }
    }
    const merged = mergeReports(reports);
    for (const p of merged.problems) process.stderr.write(`qjob: ${printable(p)}\n`);
    process.stdout.write(formatMerged(merged, reports.length));
    return unreadable > 0 ? 2 : merged.exitCode;
  },
};
