import type { Command } from 'commander';
import type { Principal } from '../../access/principal.js';
import { ApiError, connect, createApiClient, serverUrlOf } from '../api-client.js';
import { describeTokenSource, removeSavedToken, saveToken } from '../credentials.js';
import { CliError, type CliIo, UsageError, createOutput, globalOptions } from '../output.js';

/** What `GET /api/access/me` answers. */
type Me = Pick<Principal, 'userRef' | 'isAdmin' | 'ownershipRefs'>;

/** `paved login`, `paved logout`, `paved whoami`. */
export function registerLoginCommands(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('check a token against the server and save it for later commands (in ~/.config/paved/credentials.json)')
    .option('--token <token>', 'the token; without it, it is read from standard input or asked for')
    .addHelpText('after', '\nExamples:\n  paved login --token pvd_…\n  echo "$TOKEN" | paved login --url https://paved.example.com')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const baseUrl = serverUrlOf(io, globals);
      const token = (globals.token ?? (await readTokenInteractively(io))).trim();
      if (!token) throw new UsageError('No token given', ['Pass one: `paved login --token <token>`, or pipe it on standard input.']);
      const client = createApiClient({ baseUrl, token: { token, source: { kind: 'flag' } }, output: out });
      let me: Me;
      try {
        me = await client.request<Me>('GET', '/api/access/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          throw new CliError(`${baseUrl} refused the token: ${error.message}`, 1, ['Nothing was saved. Check the token, or ask an administrator for a new one.'], error.data);
        }
        throw error;
      }
      const file = saveToken(io.env, baseUrl, { token, userRef: me.userRef });
      if (out.json) return out.data({ server: baseUrl, ...me, credentialsFile: file });
      out.line(`Logged in to ${baseUrl} as ${me.userRef}${me.isAdmin ? ' (administrator)' : ''}.`);
      out.note(`Token saved in ${file}; PAVED_TOKEN and --token still take precedence over it.`);
    });

  program
    .command('logout')
    .description('forget the token saved for the server')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const baseUrl = serverUrlOf(io, globals);
      const removed = removeSavedToken(io.env, baseUrl);
      if (out.json) return out.data({ server: baseUrl, removed });
      out.line(removed ? `Forgot the token saved for ${baseUrl}.` : `No token was saved for ${baseUrl}.`);
    });

  program
    .command('whoami')
    .description('show who the server takes you for, and which token was used')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const me = await client.request<Me>('GET', '/api/access/me');
      if (out.json) return out.data({ server: client.baseUrl, ...me });
      out.line(`${me.userRef}${me.isAdmin ? ' (administrator)' : ''}`);
      const groups = me.ownershipRefs.filter((ref) => ref !== me.userRef);
      if (groups.length) out.line(`groups: ${groups.join(', ')}`);
      out.note(`server ${client.baseUrl}, token from ${client.tokenSource ? describeTokenSource(client.tokenSource) : 'nowhere'}`);
    });
}

async function readTokenInteractively(io: CliIo): Promise<string> {
  if (io.prompt) return io.prompt('Token: ', { secret: true });
  return io.readStdin();
}
