/**
 * Error texts of the block layer whose wording changed between QEMU releases, as data: each text lists
 * its wordings, each with the release it first appears in. The server asks `errorTexts(release)` once
 * and uses what it returns; no other file branches on a release for wording.
 *
 * Sources (QEMU's git history):
 *   - 6.0: commits 785ec4b1b9 (block.c) and ef2e38a1a1 (blockdev.c), "Clarify error messages pertaining
 *     to 'node-name'" (March 2021): bdrv_lookup_bs quotes its names and says node-name; node-name
 *     checks of bdrv_assign_node_name and blockdev-del's lookup are reworded.
 *   - 6.2: backup appends its copy-before-write filter with bdrv_insert_node (pulled September 2021,
 *     after 6.1), which prefixes "Could not create node: " to the read-only target's refusal; 5.2
 *     refuses in bdrv_check_perm with the bare text.
 */
import { atLeast, type Release } from '../machines/index.ts';

interface Wording<A> {
  readonly since: string;
  readonly text: (args: A) => string;
}

/** bdrv_lookup_bs: `device` is '' when the name was looked up as a node name only. */
const nodeNotFound: readonly Wording<{ device: string; node: string }>[] = [
  { since: '2.12', text: ({ device, node }) => `Cannot find device=${device} nor node_name=${node}` },
  { since: '6.0', text: ({ device, node }) => `Cannot find device='${device}' nor node-name='${node}'` },
];
const invalidNodeName: readonly Wording<string>[] = [
  { since: '2.12', text: () => 'Invalid node name' },
  { since: '6.0', text: (name) => `Invalid node-name: '${name}'` },
];
const duplicateNodeName: readonly Wording<string>[] = [
  { since: '2.12', text: () => 'Duplicate node name' },
  { since: '6.0', text: (name) => `Duplicate nodes with node-name='${name}'` },
];
/** blockdev-del of a node that does not exist. */
const delNotFound: readonly Wording<string>[] = [
  { since: '2.12', text: (name) => `Cannot find node ${name}` },
  { since: '6.0', text: (name) => `Failed to find node with node-name='${name}'` },
];
/** backup to a read-only target. */
const backupTargetReadOnly: readonly Wording<void>[] = [
  { since: '2.12', text: () => 'Block node is read-only' },
  { since: '6.2', text: () => 'Could not create node: Block node is read-only' },
];

function pick<A>(release: Release, wordings: readonly Wording<A>[]): (args: A) => string {
  let chosen = wordings[0]!;
  for (const w of wordings) if (atLeast(release, w.since)) chosen = w;
  return chosen.text;
}

export interface ErrorTexts {
  /** A name looked up as device or node name (both given the same name). */
  readonly notFound: (name: string) => string;
  /** A name looked up as a node name only. */
  readonly nodeNotFound: (name: string) => string;
  readonly invalidNodeName: (name: string) => string;
  readonly duplicateNodeName: (name: string) => string;
  readonly delNotFound: (name: string) => string;
  readonly backupTargetReadOnly: () => string;
}

const cache = new Map<string, ErrorTexts>();

/** The wordings of one release. */
export function errorTexts(release: Release): ErrorTexts {
  const key = `${release.major}.${release.minor}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const lookup = pick(release, nodeNotFound);
  const texts: ErrorTexts = {
    notFound: (name) => lookup({ device: name, node: name }),
    nodeNotFound: (name) => lookup({ device: '', node: name }),
    invalidNodeName: pick(release, invalidNodeName),
    duplicateNodeName: pick(release, duplicateNodeName),
    delNotFound: pick(release, delNotFound),
    backupTargetReadOnly: pick(release, backupTargetReadOnly),
  };
  cache.set(key, texts);
  return texts;
}
