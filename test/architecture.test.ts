/**
 * The shape of the repository: no import cycles anywhere (madge, type imports included), and the pure
 * parts (the model in machines/, the checker's rules, the model server's engine) import no I/O module,
 * directly or through what they import. Type-only imports are erased before the code runs, so they do
 * not count for I/O.
 */
import fs from 'node:fs';
import path from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const FOLDERS = ['bench', 'cli', 'conformance', 'explore', 'machines', 'mutants', 'qmp', 'server', 'targets', 'traces', 'verify'];

describe('imports', () => {
  it('form no cycle', async () => {
    const graph = await madge(FOLDERS.map((f) => path.join(root, f)), { fileExtensions: ['ts'], tsConfig: path.join(root, 'tsconfig.json') });
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(150);
    expect(graph.circular()).toEqual([]);
  });

  it('a cycle is found when there is one', async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env['TMPDIR'] ?? '/tmp'), 'arch-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = (): number => b();\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type { a } from './a.ts';\nexport const b = (): ReturnType<typeof a> => 1;\n");
      const graph = await madge(dir, { fileExtensions: ['ts'], tsConfig: path.join(root, 'tsconfig.json') });
      expect(graph.circular()).toEqual([['a.ts', 'b.ts']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The modules a file imports at run time (type-only imports left out). */
function valueImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s)?[^'"]*?from\s+'([^']+)'/gm)) if (!m[2]) out.push(m[3]!);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push(m[1]!);
  return out;
}

/** Everything `start` reaches at run time: the repository's files and the packages or node: modules. */
function closure(start: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of valueImports(f)) {
      if (spec.startsWith('.')) todo.push(path.resolve(path.dirname(f), spec));
      else external.add(spec);
    }
  }
  return { files, external };
}

const IO = /^(node:|fs$|net$|child_process$|os$|path$|worker_threads$)/;

describe('the pure parts do no I/O', () => {
  const pure = [
    'machines/index.ts',
    'server/engine.ts',
    'conformance/htmlReport.ts',
    ...fs.readdirSync(path.join(root, 'conformance/rules')).filter((f) => f.endsWith('.ts')).map((f) => `conformance/rules/${f}`),
  ];
  for (const entry of pure) {
    it(`${entry} reaches no I/O module`, () => {
      const { files, external } = closure(path.join(root, entry));
      expect(files.size).toBeGreaterThan(0);
      expect([...external].filter((m) => IO.test(m))).toEqual([]);
    });
  }

  it("the model server's engine reaches none of the server's edge modules", () => {
    const { files } = closure(path.join(root, 'server/engine.ts'));
    const edge = [...files].map((f) => path.relative(root, f)).filter((f) => /^server\/(session|modelServer|listen|host)\.ts$/.test(f));
    expect(edge).toEqual([]);
  });

  it('the check sees an I/O import through a chain of modules', () => {
    const { external } = closure(path.join(root, 'server/modelServer.ts'));
    expect([...external].some((m) => IO.test(m))).toBe(true);
  });
});
