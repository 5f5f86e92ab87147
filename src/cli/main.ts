import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { PACKAGE_ROOT } from '../package-root.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerDeliveryCommands } from './commands/deploy.js';
import { registerLoginCommands } from './commands/login.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerSecretCommands } from './commands/secret.js';
import { registerTemplateCommands } from './commands/template.js';
import { registerTokenCommands } from './commands/token.js';
import { registerUpCommand } from './commands/up.js';
import { CliError, type CliIo, ExitCode, printError, processIo } from './output.js';

/**
 * The `paved` program: global options, then one group of commands per file in `commands/`.
 * Nothing here exits the process, so tests can run it in-process with their own `io`.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('paved')
    .description('Paved, the internal developer platform: run the server, and use its catalog, templates, secrets, pipelines and access tokens from the command line.')
    .version(packageVersion())
    .option('--url <url>', 'the Paved server (default: $PAVED_URL, else http://localhost:7007)')
    .option('--token <token>', 'the API token (default: $PAVED_TOKEN, else the one saved by `paved login`)')
    .option('--json', 'print results as JSON, for scripts')
    .option('-v, --verbose', 'say which server and token are used, and show each request')
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 the server refused or failed, or could not be reached; 2 wrong usage or invalid input.\nDocumentation: docs/cli.md',
    );
  registerUpCommand(program, io);
  registerLoginCommands(program, io);
  registerCatalogCommands(program, io);
  registerTokenCommands(program, io);
  registerTemplateCommands(program, io);
  registerSecretCommands(program, io);
  registerPipelineCommands(program, io);
  registerDeliveryCommands(program, io);
  return program;
}

/** Runs one command line (`argv` as in `process.argv`) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message or the help.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const json = program.opts().json === true || argv.includes('--json');
    if (error instanceof CliError) {
      if (!(error instanceof ExitCode)) printError(io, error, json);
      return error.exitCode;
    }
    io.stderr(`error: unexpected failure in paved: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

/** What `bin/paved.js` runs: the process's own arguments and streams, and its exit code. */
export async function runMain(): Promise<void> {
  process.exitCode = await runCli(process.argv, processIo());
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return fs.realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) await runMain();
