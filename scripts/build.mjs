#!/usr/bin/env node
// Builds the qjob command: cli/main.ts and everything it imports, bundled into dist/qjob.mjs, with the
// packages in node_modules left as imports. Run by `npm ci` (prepare), by `npm run build`, before the
// tests, and by bin/qjob.js when the sources are newer than the bundle. It type-checks nothing:
// `npm run typecheck` does.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const options = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
  // dist/ sits one folder below the root, as every source folder does, so a path that a module
  // builds from import.meta.url means the same file in the bundle.
};

const bundles = [
  { entryPoints: ['cli/main.ts'], outfile: 'dist/qjob.mjs' },
  // The worker threads of `qjob check --jobs` start from a bundle of their own, a quarter of the size
  // (conformance/parallel.ts looks for it beside dist/qjob.mjs).
  { entryPoints: ['conformance/parallel.ts'], outfile: 'dist/check-worker.mjs' },
  // The worker thread of `qjob explore --threads 2` (explore/storeThread.ts looks for it there too).
  { entryPoints: ['explore/storeThread.ts'], outfile: 'dist/explore-worker.mjs' },
];

/** Writes every bundle; each file is renamed into place, so a qjob starting meanwhile reads a whole one. */
export async function buildQjob() {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  for (const b of bundles) {
    const result = await build({ ...options, ...b });
    for (const file of result.outputFiles) {
      const temp = `${file.path}.${process.pid}.tmp`;
      fs.writeFileSync(temp, file.contents);
      fs.renameSync(temp, file.path);
    }
  }
}

if (process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  await buildQjob();
}
