import path from 'node:path';
import { defineConfig } from 'vitest/config';

/** The benchmark's own tests (`npx vitest run --config bench/vitest.config.ts`); the project's
 * config covers src/ and test/ only. */
export default defineConfig({
  test: {
    root: path.resolve(import.meta.dirname, '..'),
    include: ['bench/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
