/** Adds the `model` kind to the target registry (targets/parseTarget.ts), once: `parseTarget('model:7.2')` then works. */
import { registerTargetKind, targetKinds } from '../targets/index.ts';
import { modelTargetKind } from './modelTarget.ts';

export function registerModelTarget(): void {
  if (!targetKinds().some((k) => k.scheme === modelTargetKind.scheme)) registerTargetKind(modelTargetKind);
}
