/**
 * The HTML report in headless Chromium, written as the README's two commands write it: `qjob check
 * --html-dir` on the broken copy of a real libvirt log (test/fixtures/report/). The rejected VM's page:
 * click the violation, read its explanation, see its line picked out in the timeline, the lanes and the
 * status of a job after each line; the accepted VM's page; the index. Nothing is fetched.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { RuleCatalog } from '../../conformance/index.ts';
import { runQjob } from '../support/cli.ts';
import { scratchFolder } from '../support/scratch.ts';

const CHROMIUM = process.env['QJOB_CHROMIUM'] ?? '/usr/bin/chromium';
const required = process.env['CI'] !== undefined || process.env['QJOB_REQUIRE_BROWSER'] === '1';
const present = existsSync(CHROMIUM);
if (!present && !required) {
  process.stderr.write(`test/report/reportPage.test.ts: skipped, no Chromium at ${CHROMIUM} (npm run browser:setup installs Debian's chromium)\n`);
}

const BROKEN = 'test/fixtures/report/two-vms-broken.log';
const REJECTED = 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005740.html';
const ACCEPTED = 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005d00.html';
const COPY = 'copy-vdb-libvirt-1-format';

const scratch = scratchFolder('qjob-report-page-');

describe.skipIf(!present && !required)('the report pages in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  let dir = '';

  /** Opens a page of the report; every request it makes is recorded. */
  async function open(name: string): Promise<void> {
    await page.goto(pathToFileURL(join(dir, name)).href);
  }

  /** The text of the lane cell of job `id` in the row of `line`. */
  async function cell(line: number, id: string): Promise<string | null> {
    const lane = await page.getAttribute(`#timeline th.lane-head[title="${id}"]`, 'data-lane');
    return page.textContent(`#line-${line} td.lane[data-lane="${lane}"]`);
  }

  beforeAll(async () => {
    if (!present) throw new Error(`Chromium is required here (CI or QJOB_REQUIRE_BROWSER) and missing at ${CHROMIUM}: run npm run browser:setup`);
    dir = join(scratch.dir, 'report');
    const r = await runQjob('check', '--format', 'html', '--html-dir', dir, BROKEN);
    expect(r.code).toBe(1);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r.url()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    expect(requests.filter((u) => !u.startsWith('file:')), 'the pages fetch nothing').toEqual([]);
  });

  it("shows the rejected VM's violation, and explains it when it is clicked", async () => {
    await open(REJECTED);
    expect(await page.textContent('#verdict')).toBe('rejected');
    const button = page.locator('#violations button').first();
    expect(await button.textContent()).toBe(`line 310 · illegal-transition · ${COPY}: 'ready' → 'pending' is not an edge of JobSTT`);
    await button.click();
    const article = page.locator('#explanation article:not([hidden])');
    expect(await article.count()).toBe(1);
    const text = (await article.textContent()) ?? '';
    expect(text).toContain('illegal-transition');
    expect(text).toContain(RuleCatalog['illegal-transition'].summary.replace(/`/g, ''));
    expect(text).toContain("from 'ready': standby, waiting, aborting");
    expect(text).toContain(`${COPY}: ready (JobSTT allows next: standby, waiting, aborting)`);
    expect(await article.locator('dd.allowed').textContent()).toBe("from 'ready': standby, waiting, aborting");
    // The line is picked out in the timeline and scrolled into view.
    const row = page.locator('#line-310');
    expect(await row.getAttribute('class')).toContain('first');
    expect(await row.getAttribute('class')).toContain('selected');
    expect(await row.isVisible()).toBe(true);
    const box = (await row.boundingBox())!;
    const view = page.viewportSize()!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(view.height);
  });

  it('has a lane per job and the status of each job after every line', async () => {
    await open(REJECTED);
    const lanes = await page.locator('#timeline th.lane-head').allTextContents();
    expect(lanes).toContain(COPY);
    expect(lanes).toContain('create-libvirt-5-storage');
    expect(new Set(lanes).size).toBe(lanes.length);
    // The mirror: created and running at its command, ready, complete accepted, then the broken 'pending'.
    expect(await cell(237, COPY)).toBe('');
    expect(await cell(240, COPY)).toBe('created');
    expect(await cell(246, COPY)).toBe('running');
    expect(await cell(261, COPY)).toBe('ready');
    expect(await cell(301, COPY)).toBe('ready');
    expect(await cell(310, COPY)).toBe('pending');
    expect(await cell(339, COPY)).toBe('null');
    expect(await page.getAttribute(`#line-310 td.lane[data-lane="${await page.getAttribute(`th.lane-head[title="${COPY}"]`, 'data-lane')}"]`, 'class')).toContain('touch');
    // Times are libvirt's.
    expect(await page.textContent('#line-310 td.t')).toBe('15:49:08.533');
  });

  it('hides the messages about no job on request, never the violation', async () => {
    await open(REJECTED);
    const rows = page.locator('#timeline tbody tr:visible');
    const all = await rows.count();
    await page.check('#jobs-only');
    const fewer = await rows.count();
    expect(fewer).toBeLessThan(all);
    expect(fewer).toBeGreaterThan(0);
    expect(await page.isVisible('#line-310')).toBe(true);
    expect(await page.isVisible('#line-16')).toBe(false);
  });

  it('shows the whole message of a line when it is clicked', async () => {
    await open(REJECTED);
    expect(await page.isVisible('#line-310 code.full')).toBe(false);
    await page.click('#line-310 td.msg');
    expect(await page.isVisible('#line-310 code.full')).toBe(true);
    expect(await page.textContent('#line-310 code.full')).toContain('"timestamp":{"seconds":1796399348');
  });

  it("shows the accepted VM's page without violations, with its lanes", async () => {
    await open(ACCEPTED);
    expect(await page.textContent('#verdict')).toBe('accepted');
    expect(await page.locator('#violations').count()).toBe(0);
    expect(await page.textContent('main')).toContain('No violation: the session is a behaviour of the model.');
    expect(await page.locator('#timeline th.lane-head').count()).toBeGreaterThan(0);
    expect(await page.locator('#timeline tr.violation').count()).toBe(0);
  });

  it("lists both VMs on the index and leads to the rejected VM's page", async () => {
    await open('index.html');
    expect(await page.locator('#sessions tbody tr').count()).toBe(2);
    await page.click(`a[href="${REJECTED}"]`);
    expect(page.url()).toBe(pathToFileURL(join(dir, REJECTED)).href);
    expect(await page.textContent('#verdict')).toBe('rejected');
  });
});
