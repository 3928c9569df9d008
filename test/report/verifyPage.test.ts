/**
 * `qjob verify --format html` / `--html-dir`: the failing run's session as a page, with verify's own
 * violations and rules explained; a run without failure as a page of its report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failingSession } from '../../cli/commands/verify.ts';
import { RuleCatalog, type RuleId } from '../../conformance/index.ts';
import { findMutant } from '../../mutants/index.ts';
import { modelTarget } from '../../server/index.ts';
import { VerifyRules } from '../../verify/invariants.ts';
import { formatVerifyJunit, formatVerifyText, verify } from '../../verify/index.ts';
import { formatVerifyHtml } from '../../verify/report.ts';
import { runQjob } from '../support/cli.ts';
import { scratchFolder } from '../support/scratch.ts';

const scratch = scratchFolder('qjob-verify-page-');

describe('the HTML page of a verify run', () => {
  it("draws the failing run's session with its violations, each explained, and how to replay it", async () => {
    const mutant = findMutant('waiting-skipped')!;
    const report = await verify({ target: modelTarget({ release: '10.0', hooks: mutant.hooks, name: 'mutant' }), targetSpec: 'mutant', runs: 20, seed: 3, shrink: false, failureDir: scratch.dir });
    const f = report.failures[0]!;
    expect(f.traceFile).toBeDefined();
    const session = await failingSession(report, { strict: true });
    expect(session).toBeDefined();
    // The lines are those the verify report names: the session's messages counted from 1.
    for (const v of f.violations) expect(session!.lines.some((l) => l.line === v.line)).toBe(true);
    const html = formatVerifyHtml(report, session);
    expect(html).toContain('<span class="verdict" id="verdict">rejected</span>');
    expect(html).toContain(`run ${f.run} failed`);
    expect(html).toContain(f.replay.replace(/"/g, '&quot;'));
    expect(f.violations.length).toBeGreaterThan(0);
    for (const v of f.violations) {
      expect(html).toContain(`<code class="rule">${v.rule}</code>`);
      const text = v.rule in RuleCatalog ? RuleCatalog[v.rule as RuleId].summary : VerifyRules[v.rule as keyof typeof VerifyRules];
      expect(text, v.rule).toBeDefined();
      expect(html).toContain(text.replace(/`([^`]*)`/g, '<code>$1</code>').replace(/'/g, '&#39;'));
    }
    const page = join(scratch.dir, 'verify-3.html');
    expect(formatVerifyText(report, false, page)).toContain(`  report: ${page}\n`);
    expect(formatVerifyJunit(report, page)).toContain(`[[ATTACHMENT|${page}]]`);
  }, 60_000);

  it('is the text report as a page when no run failed, to stdout or into --html-dir', async () => {
    const r = await runQjob('verify', '--runs', '2', '--seed', '9', '--format', 'html');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('<!doctype html>')).toBe(true);
    expect(r.out).toContain('qjob verify: target model, seed 9');
    expect(r.out).toContain('ok: 2 runs, no failures');
    const dir = join(scratch.dir, 'pages');
    const junit = await runQjob('verify', '--runs', '2', '--seed', '9', '--format', 'junit', '--html-dir', dir);
    expect(junit.code).toBe(0);
    expect(junit.out).toContain('<testsuites');
    expect(readFileSync(join(dir, 'verify-9.html'), 'utf8')).toContain('ok: 2 runs, no failures');
  }, 60_000);

  it('refuses an unknown --format', async () => {
    const r = await runQjob('verify', '--runs', '1', '--format', 'pdf');
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected text, json, junit or html');
  });
});
