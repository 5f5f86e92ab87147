import type { Command } from 'commander';
import type { AccessToken } from '../../access/access-service.js';
import { connect } from '../api-client.js';
import { wholeNumber } from '../arguments.js';
import { type CliIo, UsageError, createOutput, globalOptions } from '../output.js';

/** `paved token create|list|revoke`: API tokens under `/api/access/tokens`. */
export function registerTokenCommands(program: Command, io: CliIo): void {
  const token = program.command('token').description('create, list and revoke API tokens');

  token
    .command('create')
    .description('create an API token; its secret is printed once, on stdout')
    .argument('<name>', 'what the token is for, e.g. "ci" or "laptop"')
    .option('--user <ref>', 'the user it acts as (administrators only; default: you), e.g. jane or user:default/jane')
    .option('--expires-in-days <days>', "expire after this many days (default: the server's, 90)", wholeNumber({ unit: 'days' }))
    .addHelpText('after', '\nExamples:\n  paved token create laptop --expires-in-days 90\n  TOKEN=$(paved token create ci --user user:default/ci-bot)')
    .action(async (name: string, options: { user?: string; expiresInDays?: number }, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const created = await client.request<AccessToken & { token: string }>('POST', '/api/access/tokens', {
        json: { name, ...(options.user ? { userRef: await userRefOf(options.user) } : {}), ...(options.expiresInDays ? { expiresInDays: options.expiresInDays } : {}) },
      });
      if (out.json) return out.data(created);
      // The secret alone goes to stdout, so `$(paved token create …)` captures exactly the token.
      out.line(created.token);
      out.note(
        `Created token "${created.name}" (id ${created.id}) for ${created.userRef}, ${created.expiresAt ? `expiring ${created.expiresAt}` : 'never expiring'}.\n` +
          'Copy it now: it will not be shown again. Use it with `paved login --token <token>` or PAVED_TOKEN.',
      );
    });

  token
    .command('list')
    .description("list a user's tokens (default: yours); secrets are never shown, only their first characters")
    .option('--user <ref>', "whose tokens (administrators only), e.g. jane or user:default/jane")
    .action(async (options: { user?: string }, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const { items } = await client.request<{ items: AccessToken[] }>('GET', '/api/access/tokens', {
        query: { userRef: options.user ? await userRefOf(options.user) : undefined },
      });
      if (out.json) return out.data({ items });
      if (items.length === 0) return out.note('No tokens.');
      out.table(
        ['ID', 'NAME', 'PREFIX', 'USER', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
        items.map((item) => [item.id, item.name, item.prefix, item.userRef, statusOf(item), day(item.createdAt), day(item.expiresAt), day(item.lastUsedAt)]),
      );
    });

  token
    .command('revoke')
    .description('revoke a token at once; requests carrying it fail from then on')
    .argument('<id>', 'the token id, as `paved token list` shows it')
    .action(async (id: string, _options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const revoked = await client.request<AccessToken>('DELETE', `/api/access/tokens/${encodeURIComponent(id)}`);
      if (out.json) return out.data(revoked);
      out.line(`Revoked token "${revoked.name}" (id ${revoked.id}) of ${revoked.userRef}.`);
    });
}

function statusOf(token: AccessToken): string {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= new Date().toISOString()) return 'expired';
  return 'active';
}

function day(timestamp: string | null): string {
  return timestamp ? timestamp.slice(0, 16).replace('T', ' ') : '-';
}

/** `jane` → `user:default/jane`; a full ref is kept. The catalog model loads slowly, so only on use. */
async function userRefOf(value: string): Promise<string> {
  const { parseEntityRef, stringifyEntityRef } = await import('@backstage/catalog-model');
  try {
    return stringifyEntityRef(parseEntityRef(value, { defaultKind: 'user', defaultNamespace: 'default' }));
  } catch (error) {
    throw new UsageError(`"${value}" is not a user ref: ${(error as Error).message}`, ['Write it as jane or user:default/jane.']);
  }
}
