/**
 * Writes the generated diagrams (docs/generated/) from the model: `npm run docs:generate`.
 * With --check (`npm run docs:check`), writes nothing and exits 1 when a file is missing or stale.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from '../explore/graph/docs.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const files = await generatedDocs();
let stale = 0;
for (const [path, content] of files) {
  const full = join(root, path);
  const current = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  if (current === content) continue;
  if (check) {
    stale++;
    process.stderr.write(`${path} is ${current === undefined ? 'missing' : 'stale'}: run npm run docs:generate\n`);
  } else {
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    process.stdout.write(`wrote ${path}\n`);
  }
}
if (check) process.stdout.write(stale === 0 ? `docs/generated: ${files.size} files current\n` : '');
process.exitCode = stale === 0 ? 0 : 1;
