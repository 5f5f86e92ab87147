import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config.js';
import { type CliIo, UsageError, createOutput, globalOptions } from '../output.js';

interface UpOptions {
  port?: string;
  dataDir?: string;
  demo: boolean;
}

/** `paved up`: the server in the foreground, configured as `npm start` is, until Ctrl-C. */
export function registerUpCommand(program: Command, io: CliIo): void {
  program
    .command('up')
    .description('start the Paved server in the foreground (SQLite in the data dir unless DATABASE_URL is set)')
    .option('--port <port>', 'port to listen on (default: $PORT, else 7007; 0 picks a free one)')
    .option('--data-dir <dir>', 'where the database and the administrator token live (default: $PAVED_DATA_DIR, else ./.paved)')
    .option('--no-demo', 'do not load the demo organization into an empty catalog')
    .addHelpText('after', '\nExamples:\n  paved up\n  paved up --port 8080 --data-dir /var/lib/paved --no-demo')
    .action(async (options: UpOptions, command: Command) => {
      const out = createOutput(io, globalOptions(command));
      const env = {
        ...io.env,
        ...(options.port !== undefined ? { PORT: options.port } : {}),
        ...(options.dataDir !== undefined ? { PAVED_DATA_DIR: options.dataDir } : {}),
        ...(options.demo ? {} : { PAVED_DEMO: 'false' }),
      };
      let config;
      try {
        config = loadConfig(env, io.cwd);
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw error;
      }
      // Loaded here, not at the top: the other commands never need the server's modules.
      const { createPaved } = await import('../../paved.js');
      // A master key that does not open the stored secrets is a setting to fix, like a bad PORT.
      const paved = await createPaved(config).catch((error: unknown) => {
        throw error instanceof ConfigError ? new UsageError(error.message) : error;
      });
      await paved.app.listen({ port: config.port, host: config.host });
      paved.start();

      const { port } = paved.app.server.address() as AddressInfo;
      const shownHost = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host;
      const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
      out.line(`Paved is running at ${url}`);
      if (paved.generatedAdminToken) {
        out.line(`\nAdministrator token (shown once; also saved in ${path.join(config.dataDir, 'admin-token')}):\n\n  ${paved.generatedAdminToken}\n`);
      }
      const defaultDataDir = path.resolve(io.cwd, '.paved');
      if (!config.adminToken) {
        out.note(
          config.dataDir === defaultDataDir && port === 7007
            ? 'The paved CLI run from this directory uses the administrator token by itself.'
            : `To use the CLI from this machine: export PAVED_URL=${url}${config.dataDir === defaultDataDir ? '' : ` PAVED_DATA_DIR=${config.dataDir}`}`,
        );
      }
      out.note('Press Ctrl-C to stop.');

      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      paved.logger.info({ signal }, 'shutting down');
      await paved.close();
    });
}
