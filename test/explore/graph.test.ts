import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { generatedDocs, graphData, renderGraph, sttEdges, traceCoverage } from '../../explore/index.ts';

const profile = profileFor('10.1');

describe('the graph', () => {
  it('labels every JobSTT edge with the events that take it', () => {
    const data = graphData(profile);
    expect(data.edges.map((e) => `${e.from}->${e.to}`)).toEqual(sttEdges(profile).map((e) => `${e.from}->${e.to}`));
    for (const e of data.edges) expect(e.events.length, `${e.from}->${e.to}`).toBeGreaterThan(0);
    expect(data.edges.find((e) => e.from === 'undefined')!.events).toEqual(['internal.create']);
    expect(data.edges.find((e) => e.from === 'created' && e.to === 'null')!.events).toEqual(['internal.early-fail']);
  });

  it('renders dot, mermaid and json with every status and edge', async () => {
    const dot = await renderGraph(profile, 'dot');
    expect(dot).toMatch(/^digraph /);
    expect(dot).toContain('"ready" -> "standby"');
    const mermaid = await renderGraph(profile, 'mermaid');
    expect(mermaid).toMatch(/^stateDiagram-v2/);
    expect(mermaid).toContain('s_pending --> s_concluded');
    const json = JSON.parse(await renderGraph(profile, 'json')) as { edges: unknown[]; verbTables: unknown[] };
    expect(json.edges).toHaveLength(20);
    expect(json.verbTables).toHaveLength(3);
  });

  it('renders svg in-process, and a self-contained html page', async () => {
    const svg = await renderGraph(profile, 'svg');
    expect(svg).toMatch(/<svg[\s\S]*<\/svg>/);
    expect(svg).toMatch(/id="edge(-|&#45;)running(-|&#45;)ready"/);
    const group = await renderGraph(profile, 'svg', { group: true });
    expect(group).toContain('running,running');
    const html = await renderGraph(profile, 'html');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('id="graph-data"');
  });

  it('counts the edges recorded traces take, per job, from its JOB_STATUS_CHANGE events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qjob-traces-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const ev = (t: number, id: string, status: string) => JSON.stringify({ dir: 'recv', t, msg: { event: 'JOB_STATUS_CHANGE', data: { id, status } } });
    const lines = [
      ev(0, 'a', 'created'), ev(0, 'a', 'running'), ev(0, 'b', 'created'), ev(1, 'a', 'paused'), ev(2, 'a', 'running'),
      ev(3, 'b', 'aborting'), ev(3, 'b', 'concluded'), ev(3, 'b', 'null'), ev(4, 'b', 'created'),
    ];
    writeFileSync(join(dir, 'one.jsonl'), lines.join('\n') + '\n');
    const c = await traceCoverage([dir]);
    expect(c.files).toBe(1);
    expect(c.edges).toEqual({
      'undefined->created': 3,
      'created->running': 1,
      'running->paused': 1,
      'paused->running': 1,
      'created->aborting': 1,
      'aborting->concluded': 1,
      'concluded->null': 1,
    });
    const data = graphData(profile, { coverage: c });
    expect(data.edges.find((e) => e.from === 'running' && e.to === 'paused')!.traces).toBe(1);
    expect(data.edges.find((e) => e.from === 'ready' && e.to === 'standby')!.traces).toBe(0);
    expect(await renderGraph(profile, 'dot', { coverage: c })).toContain('style=dashed');
  });
});

describe('docs/generated', () => {
  it('is what npm run docs:generate makes from the model now', async () => {
    const { readFileSync } = await import('node:fs');
    for (const [path, content] of await generatedDocs()) {
      expect(readFileSync(path, 'utf8'), `${path} is stale: run npm run docs:generate`).toBe(content);
    }
  });
});
