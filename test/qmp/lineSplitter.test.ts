import { describe, expect, it } from 'vitest';
import { LineSplitter, type SplitItem } from '../../qmp/index.ts';

function lines(items: SplitItem[]): string[] {
  return items.map((item) => (item.kind === 'line' ? item.text : `<overflow ${item.prefix}>`));
}

describe('LineSplitter', () => {
  it('returns each complete line without its CRLF or LF', () => {
    expect(lines(new LineSplitter().push(Buffer.from('{"a":1}\r\n{"b":2}\n')))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('keeps a partial line until its newline arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('{"a":'))).toEqual([]);
    expect(splitter.push(Buffer.from('1}\r'))).toEqual([]);
    expect(lines(splitter.push(Buffer.from('\n{"b"')))).toEqual(['{"a":1}']);
    expect(splitter.rest()).toBe('{"b"');
  });

  it('decodes a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('"✓"\n');
    const splitter = new LineSplitter();
    const out = [...bytes].flatMap((byte) => splitter.push(Buffer.from([byte])));
    expect(lines(out)).toEqual(['"✓"']);
  });

  it('reports a line over the cap once, as soon as the cap is passed, and drops the rest of it', () => {
    const splitter = new LineSplitter(8);
    expect(lines(splitter.push(Buffer.from('0123456')))).toEqual([]);
    expect(lines(splitter.push(Buffer.from('789abc')))).toEqual(['<overflow 0123456789abc>']);
    expect(lines(splitter.push(Buffer.from('more')))).toEqual([]);
    expect(lines(splitter.push(Buffer.from('tail\nok\n')))).toEqual(['ok']);
  });

  it('accepts a line exactly at the cap', () => {
    expect(lines(new LineSplitter(4).push(Buffer.from('abcd\n')))).toEqual(['abcd']);
  });

  it('returns empty lines as empty text', () => {
    expect(lines(new LineSplitter().push(Buffer.from('\r\n\n')))).toEqual(['', '']);
  });
});
