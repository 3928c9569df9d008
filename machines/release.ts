/**
 * QEMU release numbers ("7.2", "10.0.2") and their ordering. A release names the QEMU whose
 * behaviour a profile transcribes; any release from 2.12 up resolves to a profile.
 */

export interface Release {
  readonly major: number;
  readonly minor: number;
}

export const OLDEST_RELEASE: Release = { major: 2, minor: 12 };
/** The newest release whose behaviour this model transcribes; newer releases resolve to it. */
export const LATEST_RELEASE: Release = { major: 10, minor: 1 };

const RELEASE_PATTERN = /^v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,4}))?$/;

/** Parses "7.2", "10.0.2" or "v9.1"; returns undefined for anything else. */
export function parseRelease(text: string): Release | undefined {
  const m = RELEASE_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function compareReleases(a: Release, b: Release): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** True when `release` is `since` or newer. */
export function atLeast(release: Release, since: string): boolean {
  const s = parseRelease(since);
  if (!s) throw new Error(`bad release constant ${since}`);
  return compareReleases(release, s) >= 0;
}

export function formatRelease(r: Release): string {
  return `${r.major}.${r.minor}`;
}

/** The release a QMP greeting names: `{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 22}}}}`. */
export function releaseFromGreeting(greeting: unknown): Release | undefined {
  if (typeof greeting !== 'object' || greeting === null) return undefined;
  const qmp = (greeting as Record<string, unknown>)['QMP'];
  if (typeof qmp !== 'object' || qmp === null) return undefined;
  const version = (qmp as Record<string, unknown>)['version'];
  if (typeof version !== 'object' || version === null) return undefined;
  const qemu = (version as Record<string, unknown>)['qemu'];
  if (typeof qemu !== 'object' || qemu === null) return undefined;
  const { major, minor } = qemu as Record<string, unknown>;
  if (typeof major !== 'number' || typeof minor !== 'number') return undefined;
  return { major, minor };
}
