/** Resolves a --release option to a profile, as a usage error when it names no modelled release. */
import { latestProfile, profileFor, UnknownReleaseError, type Profile } from '../machines/index.ts';
import { UsageError } from './errors.ts';

export function profileOption(release: string | undefined): Profile {
  if (release === undefined) return latestProfile();
  try {
    return profileFor(release);
  } catch (err) {
    if (err instanceof UnknownReleaseError) throw new UsageError(`--release: ${err.message}`);
    throw err;
  }
}
