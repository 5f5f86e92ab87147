import type { Command } from 'commander';
import type { SecretSummary } from '../../secrets/secrets-service.js';
import { connect } from '../api-client.js';
import { type CliIo, UsageError, createOutput, globalOptions } from '../output.js';

const SCOPE_FORMS = ['group:team-a or group:default/team-a', 'component:cart or component:default/cart', 'environment:production'];

/** `paved secret set|list|delete`: secrets of teams, components and environments under `/api/secrets`. */
export function registerSecretCommands(program: Command, io: CliIo): void {
  const secret = program.command('secret').description('set, list and delete secrets of teams, components and environments; values are write-only');

  secret
    .command('set')
    .description('set a secret (a new version each time) from standard input; the value is never printed')
    .argument('<scope>', 'group:[namespace/]name, component:[namespace/]name or environment:name')
    .argument('<name>', 'the secret, an environment variable name, e.g. DATABASE_PASSWORD')
    // Extra arguments are caught below, to explain why a value may not be one.
    .allowExcessArguments(true)
    .addHelpText(
      'after',
      '\nThe value is read from standard input (asked for, hidden, on a terminal), never from the command line,\nwhere it would end up in the shell history and in `ps`. One trailing newline is dropped.\n\nExamples:\n  paved secret set group:team-a NPM_TOKEN            # asks for the value\n  printf %s "$TOKEN" | paved secret set component:cart API_KEY\n  paved secret set environment:production DB_PASSWORD < password.txt',
    )
    .action(async (scopeText: string, name: string, _options: unknown, command: Command) => {
      const scope = scopeOf(scopeText);
      if (command.args.length > 2) {
        throw new UsageError('paved secret set takes no value argument', [
          'A value on the command line ends up in the shell history and in `ps`; pipe it on standard input instead:',
          `printf %s "$VALUE" | paved secret set ${scopeText} ${name}`,
          `or run \`paved secret set ${scopeText} ${name}\` alone and type it when asked.`,
        ]);
      }
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const value = io.prompt ? await io.prompt(`Value for ${name} (input hidden): `, { secret: true }) : withoutTrailingNewline(await io.readStdin());
      if (value === '') throw new UsageError('The value is empty', ['Pipe it on standard input, e.g. `printf %s "$VALUE" | paved secret set …`; secrets may not be empty.']);
      const summary = await client.request<SecretSummary>('PUT', `${scope.path}/${encodeURIComponent(name)}`, { json: { value } });
      if (out.json) return out.data(summary);
      out.line(`${summary.name} version ${summary.version} set in ${summary.scope}`);
    });

  secret
    .command('list')
    .description("list a scope's secrets (latest version of each), or with NAME every version of one; never values")
    .argument('<scope>', 'group:[namespace/]name, component:[namespace/]name or environment:name')
    .argument('[name]', 'a secret: list its versions, newest first')
    .addHelpText('after', '\nExamples:\n  paved secret list group:team-a\n  paved secret list component:default/cart API_KEY --json')
    .action(async (scopeText: string, name: string | undefined, _options: unknown, command: Command) => {
      const scope = scopeOf(scopeText);
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const { items } = await client.request<{ items: SecretSummary[] }>('GET', name === undefined ? scope.path : `${scope.path}/${encodeURIComponent(name)}`);
      if (out.json) return out.data({ items });
      if (items.length === 0) return out.note(`No secrets in ${scope.ref}.`);
      out.table(
        ['NAME', 'VERSION', 'UPDATED BY', 'UPDATED AT'],
        items.map((item) => [item.name, item.version, item.updatedBy, item.updatedAt]),
      );
    });

  secret
    .command('delete')
    .description('delete a secret and all its versions')
    .argument('<scope>', 'group:[namespace/]name, component:[namespace/]name or environment:name')
    .argument('<name>', 'the secret')
    .action(async (scopeText: string, name: string, _options: unknown, command: Command) => {
      const scope = scopeOf(scopeText);
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      await client.request('DELETE', `${scope.path}/${encodeURIComponent(name)}`);
      if (out.json) return out.data({ name, scope: scope.ref, deleted: true });
      out.line(`Deleted ${name} from ${scope.ref}`);
    });
}

/**
 * `group:team-a`, `component:default/cart`, `environment:production` → the API path and the
 * canonical ref. Only the form is checked here; the server checks the names.
 */
function scopeOf(text: string): { ref: string; path: string } {
  const match = /^(group|component|environment):(?:([^/:]+)\/)?([^/:]+)$/i.exec(text);
  const kind = match?.[1]?.toLowerCase();
  if (!match || !kind || (kind === 'environment' && match[2] !== undefined)) {
    throw new UsageError(`"${text}" is not a secret scope`, ['Write one of:', ...SCOPE_FORMS.map((form) => `  ${form}`), 'The namespace is default if left out; environments have none.']);
  }
  const name = match[3]!;
  if (kind === 'environment') return { ref: `environment:${name}`, path: `/api/secrets/environments/${encodeURIComponent(name)}` };
  const namespace = match[2] ?? 'default';
  return { ref: `${kind}:${namespace}/${name}`, path: `/api/secrets/${kind}s/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}` };
}

/** `echo x | paved secret set …` stores `x`: one trailing newline (LF or CRLF) is dropped, no more. */
function withoutTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
