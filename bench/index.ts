/**
 * `npm run bench`: imports every bench/*.bench.ts in turn and runs its default export (a function
 * returning false, or throwing, when its target is missed). Exit code 1 when any target is missed.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`== ${file}\n`);
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown };
    const met = typeof mod.default === 'function' ? await (mod.default as () => unknown)() : true;
    if (met === false) failed++;
  } catch (err) {
    failed++;
    process.stdout.write(`${file}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
process.stdout.write(`${files.length} benchmark${files.length === 1 ? '' : 's'} run, ${failed} missed ${failed === 1 ? 'its target' : 'their targets'}\n`);
process.exitCode = failed > 0 ? 1 : 0;
