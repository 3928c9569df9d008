/**
 * Hostile input, answered as QEMU answers it: the model server against what live QEMU sent
 * (test/fixtures/qmp-input: replies.json for 5.2, 7.2 and 10.0, replies-11.1.json for 11.1), and every
 * installed QEMU against the same files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRelease } from '../../machines/index.ts';
import { openSocket, QmpConnectError } from '../../qmp/index.ts';
import { FakeClock, ModelServer } from '../../server/index.ts';
import { parserStyle } from '../../server/session.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';
import { collect, HOSTILE_CASES, LineQueue, type Runs } from './support/hostileInputs.ts';

/**
 * QEMU creates the socket file when it binds and listens a moment later, so a connect in between is
 * refused (ECONNREFUSED) as surely as one before the file exists (ENOENT): both are retried.
 */
async function connectWhenListening(sock: string, timeoutMs = 20_000): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await openSocket({ kind: 'unix', path: sock }, 2000);
    } catch (error) {
      if (!(error instanceof QmpConnectError) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function expectedFor(release: string): Record<string, Runs> {
  const file = parserStyle(parseRelease(release)!) === 'push' ? 'replies-11.1.json' : 'replies.json';
  return JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/qmp-input', file), 'utf8')) as Record<string, Runs>;
}

async function modelReplies(release: string): Promise<Record<string, Runs>> {
  const server = new ModelServer({ release, clock: new FakeClock(), autoAdvance: false });
  const queue = new LineQueue();
  const session = server.connect({ write: (line) => queue.push(Buffer.from(line + '\n')), close: () => {} });
  await queue.next();
  session.receive('{"execute":"qmp_capabilities"}\n');
  await queue.next();
  return collect((bytes) => session.receive(bytes), () => queue.next());
}

describe('the model server answers hostile input as QEMU does', () => {
  it('has a recorded answer for every case', () => {
    for (const release of ['7.2', '11.1']) expect(Object.keys(expectedFor(release)).sort()).toEqual(HOSTILE_CASES.map((c) => c.name).sort());
  });

  for (const release of RELEASES) {
    it(`as QEMU ${release}, case by case`, async () => {
      const expected = expectedFor(release);
      const got = await modelReplies(release);
      for (const c of HOSTILE_CASES) expect({ case: c.name, replies: got[c.name] }).toEqual({ case: c.name, replies: expected[c.name] });
    });
  }
});

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    it('answers the hostile cases as recorded', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-input-'));
      const sock = path.join(dir, 'qmp.sock');
      const child = spawn(qemu.path, ['--chardev', `socket,path=${sock},server=on,wait=off,id=m`, '--monitor', 'chardev=m', '--blockdev', 'null-co,node-name=src,size=67108864', '--blockdev', 'null-co,node-name=dst,size=67108864'], { stdio: 'ignore' });
      try {
        const socket = await connectWhenListening(sock);
        const queue = new LineQueue();
        socket.on('data', (chunk: Buffer) => queue.push(chunk));
        socket.resume();
        await queue.next();
        socket.write('{"execute":"qmp_capabilities"}\n');
        await queue.next();
        const got = await collect((bytes) => socket.write(bytes), () => queue.next());
        socket.destroy();
        const expected = expectedFor(release);
        for (const c of HOSTILE_CASES) expect({ case: c.name, replies: got[c.name] }).toEqual({ case: c.name, replies: expected[c.name] });
      } finally {
        child.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
}
