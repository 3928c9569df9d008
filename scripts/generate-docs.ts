/**
 * Writes the generated diagrams (docs/generated/) from the model: `npm run docs:generate`.
 * With --check (`npm run docs:check`), writes nothing and exits 1 when a file is missing or stale.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from '../explore/graph/docs.ts';
import { rulesMarkdown } from '../conformance/rulesDoc.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const files = await generatedDocs();
addModelDiagram(files);
addCheckerRules(files);

/** docs/model.md carries the job diagram between its GENERATED markers, taken from the generated job graph. */
function addModelDiagram(out: Map<string, string>): void {
  const graph = out.get('docs/generated/job-graph.md');
  const model = join(root, 'docs/model.md');
  if (graph === undefined || !existsSync(model)) return;
  const mermaid = /```mermaid\n[\s\S]*?\n```\n/.exec(graph)?.[0];
  if (!mermaid) throw new Error('docs/generated/job-graph.md has no mermaid block');
  const begin = '<!-- BEGIN GENERATED: job-diagram -->\n';
  const end = '<!-- END GENERATED: job-diagram -->';
  const text = readFileSync(model, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error('docs/model.md lacks its GENERATED job-diagram markers');
  const body =
    'Generated from the machine by `npm run docs:generate`; every edge is labelled with the events that take it. ' +
    'The same as a picture: [generated/job-graph.svg](generated/job-graph.svg).\n\n' +
    mermaid;
  out.set('docs/model.md', text.slice(0, from + begin.length) + body + text.slice(to));
}
/** docs/checker.md carries the rule tables between its GENERATED markers, taken from conformance/rules/. */
function addCheckerRules(out: Map<string, string>): void {
  const doc = join(root, 'docs/checker.md');
  if (!existsSync(doc)) return;
  const begin = '<!-- BEGIN GENERATED: rules -->\n';
  const end = '<!-- END GENERATED: rules -->';
  const text = out.get('docs/checker.md') ?? readFileSync(doc, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error('docs/checker.md lacks its GENERATED rules markers');
  out.set('docs/checker.md', text.slice(0, from + begin.length) + rulesMarkdown() + text.slice(to));
}
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
