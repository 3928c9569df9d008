import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenQmp, ModelServer, type Listening } from '../../server/index.ts';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let listening: Listening;
let server: ModelServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-send-'));
  server = new ModelServer({ release: '7.2' });
  listening = await listenQmp(server, { kind: 'unix', path: path.join(dir, 'qmp.sock') });
});
afterAll(async () => {
  server.stop();
  await listening.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function send(...args: string[]): Promise<{ code: number | null; out: string[]; err: string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/qjob.js'), 'send', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out: out.split('\n').filter((l) => l !== ''), err })));
}

describe('qjob send', () => {
  it('negotiates, sends each command, prints the replies and the events, and exits 0', async () => {
    const r = await send('--to', `unix:${path.join(dir, 'qmp.sock')}`, '--events', '300', '{"execute":"blockdev-backup","arguments":{"job-id":"s0","device":"src","target":"dst","sync":"full","speed":1},"id":"b"}', '{"execute":"query-jobs","id":"q"}');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const msgs = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(msgs.find((m) => m['id'] === 'b')).toEqual({ return: {}, id: 'b' });
    expect(msgs.find((m) => m['id'] === 'q')).toMatchObject({ id: 'q', return: [{ id: 's0', type: 'backup' }] });
    expect(msgs.filter((m) => m['event'] === 'JOB_STATUS_CHANGE').map((m) => (m['data'] as { status: string }).status)).toContain('created');
    expect(msgs.some((m) => 'QMP' in m)).toBe(false);
  }, 30_000);

  it('exits 1 when a reply is an error, and prints it', async () => {
    const r = await send('--to', `unix:${path.join(dir, 'qmp.sock')}`, '{"execute":"job-pause","arguments":{"id":"none"}}');
    expect(r.code).toBe(1);
    expect(r.out.map((l) => JSON.parse(l) as unknown)).toEqual([{ error: { class: 'GenericError', desc: 'Job not found' } }]);
  }, 30_000);

  it('refuses an argument that is not a JSON object with exit 2 and no stack trace', async () => {
    const r = await send('--to', `unix:${path.join(dir, 'qmp.sock')}`, '{"execute":"query-jobs"}', '[1]');
    expect(r.code).toBe(2);
    expect(r.err).toBe('qjob: command 2: must be a JSON object, such as {"execute":"query-jobs"}\n');
    const missing = await send('--to', `unix:${path.join(dir, 'none.sock')}`, '{"execute":"query-jobs"}');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^qjob: cannot connect to unix:.*none\.sock: no socket exists at that path \(ENOENT\)\n$/);
  }, 30_000);
});
