import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { profileFor } from '../../machines/index.ts';
import { renderGraph, traceCoverage } from '../../explore/index.ts';

const CHROMIUM = process.env['QJOB_CHROMIUM'] ?? '/usr/bin/chromium';
const required = process.env['CI'] !== undefined || process.env['QJOB_REQUIRE_BROWSER'] === '1';
const present = existsSync(CHROMIUM);
if (!present && !required) {
  process.stderr.write(`test/explore/graphPage.test.ts: skipped, no Chromium at ${CHROMIUM} (npm run browser:setup installs Debian's chromium)\n`);
}

describe.skipIf(!present && !required)('the graph page in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let folder: string | undefined;

  beforeAll(async () => {
    if (!present) throw new Error(`Chromium is required here (CI or QJOB_REQUIRE_BROWSER) and missing at ${CHROMIUM}: run npm run browser:setup`);
    const coverage = await traceCoverage(['test/fixtures/samples']);
    const html = await renderGraph(profileFor('10.1'), 'html', { coverage });
    folder = mkdtempSync(join(tmpdir(), 'qjob-graph-'));
    const file = join(folder, 'graph.html');
    writeFileSync(file, html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), 'the page fetches nothing').toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('shows the events of an edge when it is clicked', async () => {
    await page.click('#edge-undefined-created text');
    await expect.poll(() => page.textContent('#details')).toContain('internal.create');
    await page.click('#edge-running-ready text');
    const details = await page.textContent('#details');
    expect(details).toContain('running → ready');
    expect(details).toContain('internal.ready');
    expect(details).toMatch(/recorded traces: \d+/);
  });

  it('shows a status with the verbs it accepts', async () => {
    await page.click('#status-pending text');
    const details = await page.textContent('#details');
    expect(details).toContain('verbs accepted (newest release): cancel, finalize');
  });

  it('draws the verb table of the release chosen: complete in standby only from 6.0, change only from 8.2', async () => {
    await page.click('nav button[data-tab="verbs"]');
    expect(await page.isVisible('#verb-table')).toBe(true);
    await page.selectOption('#release', '2.12');
    expect(await page.textContent('tr[data-verb="complete"] td[data-status="standby"]')).toBe('·');
    expect(await page.$('tr[data-verb="change"]')).toBeNull();
    await page.selectOption('#release', '6.0');
    expect(await page.textContent('tr[data-verb="complete"] td[data-status="standby"]')).toBe('✓');
    await page.selectOption('#release', '8.2');
    expect(await page.textContent('tr[data-verb="change"] td[data-status="created"]')).toBe('✓');
  });

  it('lists the coverage of the recorded traces, with edges never taken marked', async () => {
    await page.click('nav button[data-tab="coverage"]');
    const text = await page.textContent('#coverage');
    expect(text).toMatch(/\d+ trace file\(s\), \d+ status changes/);
    expect(await page.$$('#coverage td.zero')).not.toHaveLength(0);
  });

  it('has the grouped pair graph on its own tab', async () => {
    await page.click('nav button[data-tab="group"]');
    expect(await page.isVisible('#group svg')).toBe(true);
    expect(await page.isVisible('#graph')).toBe(false);
  });
});
