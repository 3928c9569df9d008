import { modelTarget } from '../../server/index.ts';
import { defineConformanceSuite } from '../../verify/vitest.ts';

// The helper of docs/verify.md, as a user's test file would call it: a target string, and a Target.
defineConformanceSuite({ target: 'model:7.2', runs: 20, seed: 3, minCells: 20 });
defineConformanceSuite({ target: modelTarget({ release: '10.0' }), runs: 20, seed: 4, minCells: 20, name: 'qjob conformance of a Target object' });
