import { ConfigError, loadConfig } from './config.js';
import { createPaved } from './paved.js';

/** `npm start`: load config, build Paved, listen, and shut down cleanly on a signal. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let paved;
  try {
    paved = await createPaved(config);
  } catch (error) {
    // A master key that does not open the stored secrets, say: refuse clearly, exit 2.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (paved.generatedAdminToken) {
    // Shown once, on the first start; it is also kept in the data dir for `paved` on this machine.
    process.stdout.write(`\nAdministrator token (shown once; also saved in ${config.dataDir}/admin-token):\n\n  ${paved.generatedAdminToken}\n\n`);
  }
  await paved.app.listen({ port: config.port, host: config.host });
  paved.start();
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    paved.logger.info({ signal }, 'shutting down');
    paved.close().then(
      () => process.exit(0),
      (error) => {
        paved.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`Paved failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
