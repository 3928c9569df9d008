#!/usr/bin/env node
// The qjob command: runs dist/qjob.mjs, the bundle of the TypeScript sources that `npm ci` (prepare) and
// `npm run build` write. In a checkout whose sources changed since, the bundle is rebuilt first.
import fs from 'node:fs';

const root = new URL('..', import.meta.url);
const bundle = new URL('dist/qjob.mjs', root);
const SOURCES = ['cli', 'conformance', 'explore', 'machines', 'mutants', 'qmp', 'server', 'targets', 'traces', 'verify'];

/** The newest modification time of the TypeScript sources (0 where there are none, as in a package). */
function newestSource() {
  let newest = 0;
  const stack = SOURCES.map((d) => new URL(`${d}/`, root));
  while (stack.length > 0) {
    const dir = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) stack.push(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(new URL(e.name, dir)).mtimeMs);
    }
  }
  return newest;
}

let built = 0;
try {
  built = fs.statSync(bundle).mtimeMs;
} catch {
  built = -1;
}
if (built < newestSource()) {
  let buildQjob;
  try {
    ({ buildQjob } = await import(new URL('scripts/build.mjs', root).href));
  } catch {
    process.stderr.write('qjob: dist/qjob.mjs is missing or older than the sources, and it cannot be built here: run `npm ci` (or `npm run build`) in the repository\n');
    process.exit(2);
  }
  await buildQjob();
}
// A reader that stops early (`qjob check ... | head`) closes the pipe: end quietly, as a command killed by
// SIGPIPE does (status 128 + 13), instead of an unhandled EPIPE error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
