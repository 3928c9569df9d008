/**
 * QEMU's token-count and token-size limits, in the model's parser. Too slow to run against live QEMU
 * in a test (its monitor reads one byte per main-loop turn); the token-count answer below was recorded
 * once from QEMU 7.2.22, the token-size one follows qobject/json-streamer.c and json-lexer.c.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_COUNT, MAX_TOKEN_SIZE, QmpJsonParser, type JsonItem } from '../../server/qmpJson.ts';

function tally(items: readonly JsonItem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) {
    const k = i.kind === 'error' ? i.desc : 'value';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

describe('the JSON parser limits', () => {
  it('counts tokens as QEMU 7.2 does: 2 Mi per message, the rest read as new messages', () => {
    const p = new QmpJsonParser('streamer');
    const items = p.feed(Buffer.from(`{"execute":"query-jobs","id":[${'1,'.repeat(2_100_000)}1]}\n{"execute":"query-jobs","id":"t1"}\n`));
    expect(MAX_TOKEN_COUNT).toBe(2 * 1024 * 1024);
    expect(tally(items)).toEqual({ 'JSON token count limit exceeded': 1, 'JSON parse error, expecting value': 1_051_430, value: 1_051_428 + 1 });
  });

  it('refuses a token over 64 MiB, and reads on after it', () => {
    const p = new QmpJsonParser('streamer');
    const big = Buffer.alloc(MAX_TOKEN_SIZE + 10, 0x61);
    big[0] = 0x22;
    const items = [...p.feed(big), ...p.feed(Buffer.from('"\n{"execute":"query-jobs","id":"t2"}\n'))];
    expect(items[0]).toEqual({ kind: 'error', desc: 'JSON token size limit exceeded' });
    expect(items.at(-1)).toEqual({ kind: 'value', value: { execute: 'query-jobs', id: 't2' } });
  });
});
