/**
 * `qjob check` output: text (ends with "<N> passed, <M> failed"), JSON, or JUnit XML (one testcase per
 * trace). `pages` maps a result's file (session) to the path of its HTML page, when pages were written:
 * text and JSON name it (`report`), JUnit puts it first in the failure's text and attaches it
 * (`[[ATTACHMENT|path]]` in system-out, as GitLab and Jenkins read it).
 */
import type { TraceInputError } from '../traces/reader.ts';
import { Inputs } from './rules/index.ts';
import type { CheckResult, CheckWarning, Violation } from './result.ts';

export function formatViolation(v: Violation): string {
  const job = v.job !== undefined ? ` job '${v.job}':` : '';
  return `${v.file}:${v.line}:${job} [${v.rule}] ${v.message}\n      message: ${v.msg}\n      allowed: ${v.allowed}`;
}

function formatWarning(w: CheckWarning): string {
  return `${w.file}:${w.line}: warning [${w.rule}] ${w.message}`;
}

/** What a result read and judged, in one line. */
export function formatJudged(r: CheckResult): string {
  const j = r.judged;
  const parts = [
    `${j.messages} messages`,
    `${j.commands} commands with replies`,
    `${j.verbReplies} verb replies`,
    `${j.refusals} refusals`,
    `${j.queries} queries`,
    `${j.statusEvents} status events`,
    `${j.blockEvents} BLOCK_JOB_* events`,
  ];
  if (j.creatorReplies > 0) parts.push(`${j.creatorReplies} creator replies`);
  if (j.logClaims > 0) parts.push(`${j.logClaims} log claims`);
  return `judged: ${parts.join(', ')}`;
}

/** The rules not applied for lack of input, in one line per missing input. */
export function formatNotApplied(r: CheckResult): string[] {
  return r.notApplied
    .filter((n) => n.rules.length > 0)
    .map((n) => `not applied (no ${n.input}: ${Inputs[n.input]}): ${n.rules.join(', ')}`);
}

function summary(results: readonly CheckResult[]): { passed: number; failed: number } {
  const failed = results.filter((r) => !r.ok).length;
  return { passed: results.length - failed, failed };
}

/** Result file (session) → the path of its HTML page. */
export type ReportPages = ReadonlyMap<string, string>;

export function formatText(results: readonly CheckResult[], pages?: ReportPages): string {
  const out: string[] = [];
  for (const r of results) {
    const about = `QEMU ${r.release}${r.releaseFrom === 'latest' ? ' (no greeting: latest)' : ''}${r.style === 'log' ? ', iotests log' : ''}`;
    out.push(`${r.ok ? 'ok  ' : 'FAIL'} ${r.file} (${about})`);
    const page = pages?.get(r.file);
    if (page !== undefined) out.push(`  report: ${page}`);
    out.push(`  ${formatJudged(r)}`);
    for (const n of formatNotApplied(r)) out.push(`  ${n}`);
    for (const v of r.violations) out.push(`  ${formatViolation(v)}`);
    if (r.moreViolations > 0) out.push(`  ... and ${r.moreViolations} more violations`);
    for (const w of r.warnings) out.push(`  ${formatWarning(w)}`);
  }
  const { passed, failed } = summary(results);
  out.push(`${passed} passed, ${failed} failed`);
  return out.join('\n') + '\n';
}

export function formatJson(results: readonly CheckResult[], errors: readonly TraceInputError[] = [], pages?: ReportPages): string {
  const { passed, failed } = summary(results);
  return (
    JSON.stringify(
      {
        passed,
        failed,
        results: results.map((r) => ({
          file: r.file,
          ok: r.ok,
          release: r.release,
          violations: r.violations,
          ...(r.moreViolations > 0 ? { moreViolations: r.moreViolations } : {}),
          warnings: r.warnings,
          judged: r.judged,
          notApplied: r.notApplied,
          ...(pages?.has(r.file) ? { report: pages.get(r.file) } : {}),
        })),
        ...(errors.length > 0 ? { errors: errors.map((e) => ({ file: e.file, line: e.line, message: e.reason })) } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

/** Escapes text for XML and HTML, in content and in quoted attribute values. */
export function escapeMarkup(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function formatJunit(results: readonly CheckResult[], errors: readonly TraceInputError[] = [], pages?: ReportPages): string {
  const { failed } = summary(results);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="qjob check" tests="${results.length + errors.length}" failures="${failed}" errors="${errors.length}">`,
  ];
  for (const r of results) {
    out.push(`  <testcase classname="qjob.check" name="${escapeMarkup(r.file)}">`);
    const page = pages?.get(r.file);
    if (!r.ok) {
      const n = r.violations.length + r.moreViolations;
      const first = r.violations[0];
      const message = `${n} violation${n === 1 ? '' : 's'}${first ? `; first: [${first.rule}] line ${first.line}` : ''}`;
      const text = [...(page === undefined ? [] : [`report: ${page}`]), ...r.violations.map(formatViolation)].join('\n');
      out.push(`    <failure message="${escapeMarkup(message)}" type="conformance">${escapeMarkup(text)}</failure>`);
    }
    const notes = [formatJudged(r), ...formatNotApplied(r), ...r.warnings.map(formatWarning), ...(page === undefined ? [] : [`[[ATTACHMENT|${page}]]`])];
    out.push(`    <system-out>${escapeMarkup(notes.join('\n'))}</system-out>`);
    out.push('  </testcase>');
  }
  for (const e of errors) {
    out.push(`  <testcase classname="qjob.check" name="${escapeMarkup(e.file)}">`);
    out.push(`    <error message="${escapeMarkup(e.message)}" type="unusable-input"/>`);
    out.push('  </testcase>');
  }
  out.push('</testsuite>');
  return out.join('\n') + '\n';
}
