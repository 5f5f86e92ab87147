import {
  DefaultNamespaceEntityPolicy,
  type Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  type KindValidator,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { createRequire } from 'node:module';
import { templateEntityValidator } from './template-kind.js';

// The ESM build of @backstage/catalog-model/alpha imports `lodash/uniqBy` without an extension,
// which plain Node refuses (bundlers and vitest do not); its CommonJS build loads fine. It is
// loaded on first use: it brings a second copy of the model and its schemas, a quarter of a
// second of start-up that only catalogs with MCP servers or AI resources need.
type Alpha = typeof import('@backstage/catalog-model/alpha');
let alpha: Alpha | undefined;
function fromAlpha(pick: (module: Alpha) => KindValidator): KindValidator {
  return {
    check: (data) => pick((alpha ??= createRequire(import.meta.url)('@backstage/catalog-model/alpha') as Alpha)).check(data),
  };
}
const mcpServerApiEntityValidator = fromAlpha((module) => module.mcpServerApiEntityValidator);
const aiResourceEntityV1alpha1Validator = fromAlpha((module) => module.aiResourceEntityV1alpha1Validator);

const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/**
 * The validators of each kind, by lower-cased kind. Each validator runs a whole JSON Schema check,
 * so asking only the ones for the entity's kind (rather than each in turn, as Backstage does)
 * keeps validation cheap at 100,000 entities.
 */
const validatorsByKind: Record<string, KindValidator[]> = {
  component: [componentEntityV1alpha1Validator],
  api: [apiEntityV1alpha1Validator, mcpServerApiEntityValidator],
  resource: [resourceEntityV1alpha1Validator],
  system: [systemEntityV1alpha1Validator],
  domain: [domainEntityV1alpha1Validator],
  group: [groupEntityV1alpha1Validator],
  user: [userEntityV1alpha1Validator],
  location: [locationEntityV1alpha1Validator],
  airesource: [aiResourceEntityV1alpha1Validator],
  template: [templateEntityValidator],
};

export const SUPPORTED_KINDS = ['Component', 'API', 'Resource', 'System', 'Domain', 'Group', 'User', 'Location', 'AiResource', 'Template'];

/** The kind as Backstage spells it (`API`, `AiResource`), from its lower-cased form. */
export const KIND_DISPLAY_NAMES: ReadonlyMap<string, string> = new Map(SUPPORTED_KINDS.map((kind) => [kind.toLowerCase(), kind]));

/** One thing wrong with an entity, with the JSON path it is at. */
export type EntityProblem = {
  message: string;
  /** Dotted JSON path, e.g. `spec.owner` or `metadata.tags.0`; absent when it is the whole entity. */
  path?: string;
};

export type ValidationResult = { ok: true; entity: Entity } | { ok: false; problem: EntityProblem };

const METADATA_FIELDS = new Set(['name', 'namespace', 'title', 'description', 'labels', 'annotations', 'tags', 'links', 'uid', 'etag']);

/**
 * Validates a raw descriptor the way Backstage does (envelope, field formats, kind schemas) and
 * applies its defaults (namespace `default`); the policies may modify `raw`. Does not check that referenced entities exist:
 * a relation to a missing entity is legal, as in Backstage.
 */
export async function validateEntity(raw: unknown): Promise<ValidationResult> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: { message: 'An entity must be an object with apiVersion, kind, metadata and usually spec' } };
  }
  let entity: Entity;
  try {
    const enforced = await policy.enforce(raw as Entity);
    if (!enforced) return { ok: false, problem: { message: 'The entity was rejected by the catalog policy' } };
    entity = enforced;
  } catch (error) {
    return { ok: false, problem: problemFromValidatorError(error) };
  }
  for (const validator of validatorsByKind[entity.kind.toLowerCase()] ?? []) {
    try {
      if (await validator.check(entity)) return { ok: true, entity };
    } catch (error) {
      return { ok: false, problem: problemFromValidatorError(error) };
    }
  }
  return {
    ok: false,
    problem: {
      path: 'kind',
      message: `Unsupported kind ${entity.kind} with apiVersion ${entity.apiVersion}; supported kinds are ${SUPPORTED_KINDS.join(', ')}`,
    },
  };
}

/** Turns the messages of Backstage's validators into a message and a JSON path. */
function problemFromValidatorError(error: unknown): EntityProblem {
  const message = error instanceof Error ? error.message : String(error);
  const schema = /^(\/\S*) (.*?)(?: - \w+: .*)?$/.exec(message);
  if (schema) {
    const missing = / - missingProperty: (\S+)$/.exec(message)?.[1];
    const additional = / - additionalProperty: (\S+)$/.exec(message)?.[1];
    const segments = schema[1]!.split('/').filter(Boolean);
    if (missing) segments.push(missing);
    if (additional) segments.push(additional);
    const path = segments.join('.');
    if (missing) return { path, message: `${path} is required` };
    return { ...(path ? { path } : {}), message: `${path || 'entity'} ${schema[2]}` };
  }
  const field = /^"([^"]+)" is not valid; (.*?)(?:\. To learn more.*)?$/s.exec(message);
  if (field) {
    let path = field[1]!;
    if (METADATA_FIELDS.has(path.split('.')[0]!)) path = `metadata.${path}`;
    return { path, message: `${path} is not valid; ${field[2]}` };
  }
  const unknownField = /^Unknown field (\S+)/.exec(message);
  if (unknownField) return { path: unknownField[1], message: `${unknownField[1]}: unknown top-level field; only apiVersion, kind, metadata, spec, relations and status are allowed` };
  const mustHave = /^(\S+) must have a value/.exec(message);
  if (mustHave) return { path: mustHave[1], message: `${mustHave[1]} is required` };
  return { message };
}

/** `metadata.tags.0` as `['metadata', 'tags', 0]`, the form YAML node lookups take. */
export function jsonPathSegments(path: string | undefined): (string | number)[] {
  if (!path) return [];
  return path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}
