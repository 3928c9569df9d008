import { defineConfig } from 'vitest/config';

// `npm test` runs test/**/*.test.ts except the deep suite (*.deep.test.ts): long exhaustive runs that
// `npm run test:deep` (and CI) runs.
const deep = process.env['QJOB_DEEP'] === '1';

export default defineConfig({
  test: {
    include: deep ? ['test/**/*.deep.test.ts'] : ['test/**/*.test.ts'],
    exclude: deep ? ['node_modules/**'] : ['node_modules/**', 'test/**/*.deep.test.ts'],
    testTimeout: deep ? 600_000 : 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test files wait on processes and sockets more than they compute: two at a time on two cores.
    maxWorkers: deep ? undefined : 2,
    globalSetup: ['test/support/buildSetup.ts', 'test/support/tmpdirGuard.ts'],
  },
});
