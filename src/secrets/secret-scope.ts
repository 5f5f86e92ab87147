import { InvalidInputError } from '../errors.js';

export type ScopeKind = 'group' | 'component' | 'environment';

/** Where a secret belongs: a team, a component, or an environment. */
export interface SecretScope {
  kind: ScopeKind;
  /** `group:default/team-a`, `component:default/cart`, `environment:production`. */
  ref: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

export function scopeOf(kind: ScopeKind, namespace: string | undefined, name: string): SecretScope {
  for (const [value, field] of [
    [namespace, 'namespace'],
    [name, 'name'],
  ] as const) {
    if (value !== undefined && !NAME.test(value)) {
      throw new InvalidInputError('secrets.invalid_scope', `"${value}" is not a valid ${kind} ${field}`, { path: field, hint: 'Lower-case letters, digits, ".", "_" and "-".' });
    }
  }
  return { kind, ref: kind === 'environment' ? `environment:${name}` : `${kind}:${namespace}/${name}` };
}

/** Secret names become environment variables, so they must be valid ones. */
export function validateSecretName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw new InvalidInputError('secrets.invalid_name', `"${name}" is not a valid secret name`, {
      path: 'name',
      hint: 'Use upper-case letters, digits and _, starting with a letter or _ (it becomes an environment variable), e.g. DATABASE_PASSWORD.',
    });
  }
  return name;
}
