/**
 * The reply is evidence, over every recorded session of the corpus: each accepted verb command turned
 * into a refusal naming the status its job had when it was sent, and each refused one turned into
 * `{"return": {}}`, must be rejected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMessages } from '../../conformance/index.ts';
import { isVerbCommand, VerbCommands } from '../../machines/index.ts';
import type { TraceLine } from '../../traces/format.ts';

const TRACES = join(import.meta.dirname, '..', '..', 'traces');
const corpora = readdirSync(TRACES).filter((d) => /^qemu-\d+\.\d+$/.test(d));

function load(file: string): TraceLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine)
    .filter((l) => 'msg' in l);
}

describe.runIf(process.env['QJOB_DEEP'] === '1')('the corpus, broken reply by reply', () => {
  for (const corpus of corpora) {
    it(`rejects every flipped verb reply of ${corpus}`, () => {
      const accepted: string[] = [];
      let tried = 0;
      for (const f of readdirSync(join(TRACES, corpus)).filter((x) => x.endsWith('.jsonl'))) {
        const lines = load(join(TRACES, corpus, f));
        if (!checkMessages(lines).ok) continue;
        const status = new Map<string, string>();
        const sent = new Map<string, { name: string; job: string; status: string | undefined }>();
        lines.forEach((l, i) => {
          const m = l.msg;
          const data = m['data'] as Record<string, unknown> | undefined;
          if (m['event'] === 'JOB_STATUS_CHANGE' && data) status.set(String(data['id']), String(data['status']));
          const name = m['execute'];
          const key = JSON.stringify(m['id']);
          if (l.dir === 'send' && isVerbCommand(name)) {
            const job = String(((m['arguments'] ?? {}) as Record<string, unknown>)[VerbCommands[name].idArg]);
            sent.set(key, { name, job, status: status.get(job) });
            return;
          }
          const s = l.dir === 'recv' && m['id'] !== undefined ? sent.get(key) : undefined;
          if (!s) return;
          sent.delete(key);
          const verb = VerbCommands[s.name as keyof typeof VerbCommands].verb;
          let flipped: Record<string, unknown>;
          if ('error' in m) flipped = { id: m['id'], return: {} };
          else if (s.status !== undefined && ['pause', 'resume', 'cancel', 'complete', 'finalize', 'dismiss'].includes(verb)) {
            flipped = { id: m['id'], error: { class: 'GenericError', desc: `Job '${s.job}' in state '${s.status}' cannot accept command verb '${verb}'` } };
          } else return;
          tried++;
          const copy = lines.map((x, k) => (k === i ? { ...x, msg: flipped } : x));
          if (checkMessages(copy).ok) accepted.push(`${f}:${i + 1} ${s.name} ${'error' in m ? 'refused → accepted' : `accepted → refused in ${s.status}`}`);
        });
      }
      expect(tried).toBeGreaterThan(0);
      expect(accepted).toEqual([]);
    }, 300_000);
  }
});
