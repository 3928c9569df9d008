/** Unusable input is refused with file, line and a printable reason; formats are detected; directory walks and symlinks. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.ts';
import { walkTraceFiles } from '../../conformance/files.ts';
import { checkTraceFile } from '../../conformance/index.ts';
import { traceCoverage } from '../../explore/index.ts';
import { detectFormat, detectFormatOfText, isTraceFileName, readTrace, TraceInputError } from '../../traces/reader.ts';
import { printable } from '../../traces/printable.ts';
import { runQjob } from '../support/cli.ts';
import { scratchFolder } from '../support/scratch.ts';

const LOGS = join(import.meta.dirname, '..', 'fixtures', 'logs');
const GREETING = '{"dir":"recv","t":0.01,"msg":{"QMP":{"version":{"qemu":{"micro":22,"minor":2,"major":7},"package":""},"capabilities":["oob"]}}}';
const CREATED = '{"dir":"recv","t":0.1,"msg":{"event":"JOB_STATUS_CHANGE","data":{"id":"j0","status":"created"}}}';

const scratch = scratchFolder('qjob-input-');
const file = scratch.file;

async function failure(path: string): Promise<TraceInputError> {
  const err = await readTrace(path, () => undefined).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TraceInputError);
  return err as TraceInputError;
}

const run = runQjob;

describe('files with nothing to read', () => {
  it('refuses an empty file, whatever its format', async () => {
    for (const name of ['empty.jsonl', 'empty.out', 'blank.log', 'empty.txt']) {
      const err = await failure(await file(name, name === 'blank.log' ? '\n  \n' : ''));
      expect(err.message).toMatch(/empty file: no QMP messages|no QMP message/);
      expect(err.line).toBe(0);
    }
  });

  it('refuses a wire trace with only a meta line', async () => {
    expect((await failure(await file('meta.jsonl', '{"meta":{"scenario":"x"}}\n'))).message).toContain('no QMP messages after the meta line');
  });

  it('refuses a text file in which no QMP can be found, instead of passing it', async () => {
    const path = await file('notes.log', 'Build started\nAll good\n{"not": "qmp"}\n');
    expect((await failure(path)).message).toBe(`${path}: no QMP message (a JSON object with "execute", "return", "error" or "event" starting a line) in its 3 line(s): not read as iotests (see --input-format)`);
    const r = await run('check', path);
    expect(r.code).toBe(2);
    expect(r.out).not.toMatch(/^ok/m);
  });
});

describe('bytes that are not UTF-8', () => {
  it('names the line of an invalid byte', async () => {
    const path = await file('latin1.jsonl', Buffer.concat([Buffer.from(`${GREETING}\n${CREATED}\n{"dir":"recv","t":1,"msg":{"event":"X","data":{"s":"`), Buffer.from([0xe9]), Buffer.from('"}}}\n')]));
    const err = await failure(path);
    expect(err.line).toBe(3);
    expect(err.reason).toBe('not UTF-8 text (byte 0xe9)');
  });

  it('names the right line when the bad byte follows a character split across read chunks', async () => {
    // 1 MiB chunks: put a 3-byte character across the boundary, then a bad byte on the next line.
    const head = `${GREETING}\n{"dir":"recv","t":1,"msg":{"event":"X","data":{"pad":"`;
    const pad = 'x'.repeat((1 << 20) - Buffer.byteLength(head) - 1);
    const text = Buffer.concat([Buffer.from(head + pad), Buffer.from('€"}}}\n'), Buffer.from('{"dir":"recv","t":2,"msg":{"event":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}\n')]);
    const err = await failure(await file('split.jsonl', text));
    expect(err.line).toBe(3);
    expect(err.reason).toBe('not UTF-8 text (byte 0xc3)');
  });

  it('refuses a file that ends inside a character, and overlong or surrogate encodings', async () => {
    expect((await failure(await file('cut.out', Buffer.concat([Buffer.from('{"return": {}}\n{"return": "'), Buffer.from([0xe2, 0x82])])))).reason).toContain('ends inside a character');
    expect((await failure(await file('overlong.out', Buffer.from([0x7b, 0xc0, 0xaf, 0x7d, 0x0a])))).line).toBe(1);
    expect((await failure(await file('surrogate.out', Buffer.concat([Buffer.from('{"return": {}}\n'), Buffer.from([0xed, 0xa0, 0x80])])))).line).toBe(2);
  });
});

describe('nesting deeper than QEMU accepts', () => {
  const deep = (n: number): string => `{"dir":"recv","t":0.2,"msg":{"event":"JOB_STATUS_CHANGE","data":{"id":"j0","status":"running","x":${'['.repeat(n)}${']'.repeat(n)}}}}`;

  it('refuses an event nested 100000 levels deep with its line, where the checker once overflowed its stack', async () => {
    const path = await file('deep.jsonl', `${GREETING}\n${CREATED}\n${deep(100_000)}\n`);
    await expect(checkTraceFile(path)).rejects.toThrow(`${path}:3: JSON nested deeper than 1024 levels (QEMU's limit), at column`);
  });

  it('accepts a message nested 1024 levels (its object and data open 2) and refuses 1025', async () => {
    const path = await file('deep-ok.jsonl', `${GREETING}\n${CREATED}\n${deep(1022)}\n`);
    await expect(checkTraceFile(path)).resolves.toMatchObject({ messages: 3 });
    await expect(checkTraceFile(await file('deep-no.jsonl', `${GREETING}\n${deep(1023)}\n`))).rejects.toThrow(':2: JSON nested deeper');
  });
});

describe('control characters in what is quoted', () => {
  it('escapes terminal sequences of a bad line in the message', async () => {
    const path = await file('esc.jsonl', '\u001b]0;owned\u0007\u001b[2J\u009b31m not json\n');
    const err = await failure(path);
    expect(err.message).toBe(`${path}:1: not JSON: \\e]0;owned\\x07\\e[2J\\x9b31m not json`);
    // eslint-disable-next-line no-control-regex
    expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const r = await run('check', path);
    expect(r.code).toBe(2);
    // eslint-disable-next-line no-control-regex
    expect(r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('escapes them in file names and usage errors too', async () => {
    expect(new TraceInputError('a\u001b[2Jb.jsonl', 3, 'x').message).toBe('a\\e[2Jb.jsonl:3: x');
    expect(new UsageError('--traces: no such file: \u001b]0;t\u0007').message).toBe('--traces: no such file: \\e]0;t\\x07');
    expect(printable('tab\there\u202eevil\u2028')).toBe('tab\\there\\u202eevil\\u2028');
  });
});

describe('format detection', () => {
  it('knows iotests outputs and their variants by name', () => {
    for (const name of ['178.out', '178.out.qcow2', '026.out.nocache', '051.pc.out', '041.out.bad', 'run.log', 'a.jsonl']) expect(isTraceFileName(name)).toBe(true);
    for (const name of ['notes.txt', 'out', 'x.output', 'x.jsonl.orig']) expect(isTraceFileName(name)).toBe(false);
  });

  it('detects wire, transcript and iotests text from the first lines', async () => {
    expect(detectFormatOfText(`\n${GREETING}\n`)).toBe('wire');
    expect(detectFormatOfText('{"meta":{}}\n')).toBe('wire');
    expect(detectFormatOfText('notes\n-> { "execute": "query-jobs" }\n')).toBe('transcript');
    expect(detectFormatOfText('(QEMU) query-jobs\n')).toBe('transcript');
    expect(detectFormatOfText('{"return": {}}\n')).toBe('iotests');
    expect(await detectFormat(join(LOGS, 'arrows.txt'))).toBe('transcript');
    expect(await detectFormat(join(LOGS, 'dots-variant.out.qcow2'))).toBe('iotests');
    // A wire trace saved under a log's name is still read as wire; *.jsonl is always wire.
    expect(await detectFormat(await file('saved.log', `${GREETING}\n`))).toBe('wire');
    expect(await detectFormat(await file('odd.jsonl', '{"return": {}}\n'))).toBe('wire');
  });

  it('checks an iotests variant output named on the command line (it once exited 2)', async () => {
    const r = await run('check', join(LOGS, 'dots-variant.out.qcow2'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('--input-format overrides detection', async () => {
    const log = join(LOGS, 'progress-dots.out');
    const asWire = await run('check', '--input-format', 'wire', log);
    expect(asWire.code).toBe(2);
    expect(asWire.err).toContain(`${log}:1: not JSON`);
    expect((await run('check', '--input-format', 'iotests', log)).code).toBe(0);
    expect((await run('check', '--input-format', 'nonsense', log)).code).toBe(2);
  });
});

describe('directory walks', () => {
  it('follows symbolic links to traces inside the tree and reports those that lead outside or nowhere', async () => {
    const root = join(scratch.dir, 'walk');
    const outside = join(scratch.dir, 'outside');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(outside, { recursive: true });
    await writeFile(join(root, 'a.jsonl'), `${GREETING}\n`);
    await writeFile(join(outside, 'secret.jsonl'), 'root:x:0:0\n');
    await symlink(join(root, 'a.jsonl'), join(root, 'b.jsonl'));
    await symlink('../a.jsonl', join(root, 'sub', 'c.jsonl'));
    await symlink(join(outside, 'secret.jsonl'), join(root, 'd.jsonl'));
    await symlink(join(root, 'missing.jsonl'), join(root, 'e.jsonl'));
    await symlink(root, join(root, 'sub', 'loop'));
    await symlink(join(root, 'sub'), join(root, 'again'));
    await symlink(join(root, 'missing'), join(root, 'notes.txt'));
    const { files, errors } = await walkTraceFiles([root]);
    // The real tree first, then the links in the order met: b.jsonl and sub/c.jsonl are further
    // names of a.jsonl; the link to sub (walked already, under its own path) and the loop add nothing.
    expect(files).toEqual([join(root, 'a.jsonl'), join(root, 'b.jsonl'), join(root, 'sub', 'c.jsonl')]);
    expect(errors.map((e) => e.message)).toEqual([
      `${join(root, 'd.jsonl')}: a symbolic link to a file outside ${root}: not followed (name it directly to check it)`,
      expect.stringMatching(new RegExp(`^${join(root, 'e.jsonl')}: a symbolic link that leads nowhere`)),
    ]);
    const r = await run('check', root);
    expect(r.code).toBe(2);
    expect(r.err).toContain('d.jsonl: a symbolic link to a file outside');
    expect(r.err).not.toContain('root:x');
  });

  it('graph --traces walks a tree with a link loop once, and reads iotests variants', async () => {
    const root = join(scratch.dir, 'loop');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a.jsonl'), `${GREETING}\n${CREATED}\n`);
    await writeFile(join(root, 'b.out.qcow2'), '{"data": {"id": "j1", "status": "created"}, "event": "JOB_STATUS_CHANGE"}\n');
    await symlink(root, join(root, 'self'));
    await expect(traceCoverage([root])).resolves.toMatchObject({ files: 2, transitions: 2 });
  });

  it('reads a file outside the tree when it is named directly', async () => {
    const { files, errors } = await walkTraceFiles([join(scratch.dir, 'walk', 'd.jsonl')]);
    expect(files).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('reports a directory without traces and a path that does not exist, and goes on', async () => {
    const empty = join(scratch.dir, 'nothing');
    await mkdir(empty, { recursive: true });
    const { files, errors } = await walkTraceFiles([empty, join(scratch.dir, 'nope'), join(LOGS, 'arrows.txt')]);
    expect(files).toEqual([join(LOGS, 'arrows.txt')]);
    expect(errors.map((e) => e.reason)).toEqual(['no trace files (*.jsonl, *.out, *.out.<variant>, *.log) in this directory', 'cannot read: ENOENT']);
  });
});
