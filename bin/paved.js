#!/usr/bin/env node
// The `paved` command: runs the compiled CLI (`npm install` builds it through `prepare`).
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/src/cli/main.js')) throw error;
  process.stderr.write('paved is not built yet: run `npm run build` in the Paved package first.\n');
  process.exit(1);
}
await cli.runMain();
