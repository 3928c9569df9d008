/**
 * `qjob verify` output: text for people, JSON for programs, JUnit XML for CI (one test case per run),
 * HTML (the failing run's session as conformance/htmlReport.ts draws it). `page` is the path of the
 * run's HTML page when one was written: text and JSON name it, JUnit links it from the failure.
 */
import type { CheckedSession } from '../conformance/checkedSession.ts';
import { indexHtml, sessionHtml } from '../conformance/htmlReport.ts';
import { escapeMarkup as xml } from '../conformance/report.ts';
import { formatShard } from '../traces/shard.ts';
import { VerifyRules } from './invariants.ts';
import type { CoverageReport, VerifyReport } from './verify.ts';

function grid(coverage: CoverageReport): string[] {
  const byStatus = new Map<string, string[]>();
  for (const [status, verb] of coverage.cells) byStatus.set(status, [...(byStatus.get(status) ?? []), verb]);
  return [...byStatus.entries()].map(([status, verbs]) => `    ${status.padEnd(9)} ${verbs.join(' ')}`);
}

export function formatVerifyText(r: VerifyReport, verbose = false, page?: string): string {
  const out: string[] = [];
  const shard = r.shard === undefined ? '' : ` of shard ${formatShard(r.shard)}`;
  out.push(`qjob verify: target ${r.target} (QEMU ${r.release} rules), seed ${r.seed}, ${r.runs} runs${shard} in ${(r.durationMs / 1000).toFixed(1)} s`);
  for (const f of r.failures) {
    out.push(`FAIL run ${f.run}: ${f.violations.length} violation${f.violations.length === 1 ? '' : 's'}${f.error !== undefined ? `; error: ${f.error}` : ''}`);
    for (const v of f.violations) {
      const job = v.job !== undefined ? ` job '${v.job}':` : '';
      out.push(`  ${v.file}:${v.line}:${job} [${v.rule}] ${v.message}`);
      if (v.msg) out.push(`      message: ${v.msg}`);
      out.push(`      allowed: ${v.allowed}`);
    }
    out.push(`  shrunk ${f.shrinks} times to ${f.actions.length} actions, ${f.scenario.steps.length} steps`);
    if (f.traceFile !== undefined) out.push(`  trace: ${f.traceFile}`);
    if (page !== undefined) out.push(`  report: ${page}`);
    out.push(`  replay: ${f.replay}`);
  }
  const c = r.coverage;
  out.push(`coverage: ${c.cells.length}/${c.cellTotal} (status, verb) cells, ${c.edges.length}/${c.edgeTotal} STT edges`);
  if (verbose) out.push(...grid(c));
  if (r.problem !== undefined) out.push(`FAIL ${r.problem}`);
  out.push(r.ok ? `ok: ${r.runs} runs, no failures` : `${r.failures.length > 0 ? 'failed' : 'not ok'}: ${r.runs} runs, ${r.failures.length} failing`);
  return out.join('\n') + '\n';
}

export function formatVerifyJson(r: VerifyReport, page?: string): string {
  return (
    JSON.stringify(
      {
        ok: r.ok,
        runs: r.runs,
        seed: r.seed,
        target: r.target,
        release: r.release,
        durationMs: r.durationMs,
        coverage: { cells: r.coverage.cells, edges: r.coverage.edges, cellTotal: r.coverage.cellTotal, edgeTotal: r.coverage.edgeTotal },
        failures: r.failures.map((f) => ({
          run: f.run,
          seed: f.seed,
          path: f.path,
          shrinks: f.shrinks,
          replay: f.replay,
          ...(f.traceFile !== undefined ? { traceFile: f.traceFile } : {}),
          ...(page !== undefined ? { report: page } : {}),
          ...(f.error !== undefined ? { error: f.error } : {}),
          violations: f.violations,
          scenario: f.scenario,
        })),
        ...(r.problem !== undefined ? { problem: r.problem } : {}),
        results: r.results.map((x) => ({ run: x.run, seed: x.seed, ok: x.ok })),
        ...(r.shard !== undefined ? { shard: formatShard(r.shard) } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

export function formatVerifyJunit(r: VerifyReport, page?: string): string {
  const failed = new Map(r.failures.map((f) => [f.run, f]));
  const cases: string[] = [];
  for (const { run } of r.results) {
    const f = failed.get(run);
    const name = `run ${run} (seed ${r.seed})`;
    if (!f) {
      cases.push(`    <testcase classname="qjob.verify.${xml(r.target)}" name="${xml(name)}"/>`);
      continue;
    }
    const body = [
      ...(page !== undefined ? [`report: ${page}`] : []),
      ...f.violations.map((v) => `${v.file}:${v.line}: [${v.rule}] ${v.message} (allowed: ${v.allowed})`),
      `replay: ${f.replay}`,
      ...(f.traceFile ? [`trace: ${f.traceFile}`] : []),
    ].join('\n');
    const first = f.violations[0];
    const attachment = page === undefined ? '' : `\n      <system-out>${xml(`[[ATTACHMENT|${page}]]`)}</system-out>`;
    cases.push(
      `    <testcase classname="qjob.verify.${xml(r.target)}" name="${xml(name)}">\n      <failure message="${xml(first ? `[${first.rule}] ${first.message}` : (f.error ?? 'failed'))}">${xml(body)}</failure>${attachment}\n    </testcase>`,
    );
  }
  if (r.problem !== undefined) cases.push(`    <testcase classname="qjob.verify.${xml(r.target)}" name="coverage">\n      <failure message="${xml(r.problem)}"/>\n    </testcase>`);
  const failures = r.failures.length + (r.problem !== undefined ? 1 : 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="qjob verify ${xml(r.target)}" tests="${cases.length}" failures="${failures}" time="${(r.durationMs / 1000).toFixed(3)}">`,
    `    <properties><property name="seed" value="${r.seed}"/><property name="release" value="${xml(r.release)}"/><property name="cells" value="${r.coverage.cells.length}"/><property name="edges" value="${r.coverage.edges.length}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * The HTML page of a verify run: the failing run's session (`session`, checked again from its trace) with
 * verify's violations, its own rules explained too; without a failing session, the text report as a page.
 */
export function formatVerifyHtml(r: VerifyReport, session?: CheckedSession): string {
  const title = `qjob verify: target ${r.target}, seed ${r.seed}`;
  const f = r.failures[0];
  if (f === undefined || session === undefined) return indexHtml(title, [], formatVerifyText(r).trimEnd().split('\n'));
  return sessionHtml(session, {
    title: `${title}: run ${f.run} failed`,
    ok: false,
    violations: f.violations,
    rules: VerifyRules,
    notes: [
      `shrunk ${f.shrinks} times to ${f.actions.length} actions, ${f.scenario.steps.length} steps`,
      ...(f.traceFile !== undefined ? [`trace: ${f.traceFile} (line numbers here count the session's messages from 1, as the verify report does; the file has its meta line first)`] : []),
      `replay: ${f.replay}`,
    ],
  });
}
