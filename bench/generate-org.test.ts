import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  domainEntityV1alpha1Validator,
  type Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  type KindValidator,
  locationEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { generateOrg, type GeneratedOrg, ORG_KINDS } from './generate-org.js';

// BENCH_ORG_ENTITIES=100000 checks the full-size tree the benchmark uses (about a minute).
const ENTITIES = Number(process.env.BENCH_ORG_ENTITIES ?? 2_000);

const kindValidators: KindValidator[] = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
];
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** Where each spec field points, as Backstage's built-in processor reads it. */
const REFERENCE_FIELDS: Record<string, Record<string, string | undefined>> = {
  Group: { parent: 'group', children: 'group', members: 'user' },
  User: { memberOf: 'group' },
  Domain: { owner: 'group', subdomainOf: 'domain' },
  System: { owner: 'group', domain: 'domain' },
  Component: { owner: 'group', system: 'system', providesApis: 'api', consumesApis: 'api', dependsOn: undefined, dependencyOf: undefined },
  API: { owner: 'group', system: 'system' },
  Resource: { owner: 'group', system: 'system', dependsOn: undefined, dependencyOf: undefined },
};

function readTree(org: GeneratedOrg): Entity[] {
  const entities: Entity[] = [];
  for (const file of ['catalog-info.yaml', ...org.files]) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(org.dir, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      entities.push(doc.toJS() as Entity);
    }
  }
  return entities;
}

describe('generateOrg', () => {
  let dir: string;
  let org: GeneratedOrg;
  let entities: Entity[];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-org-'));
    org = generateOrg({ dir, entities: ENTITIES, seed: 7 });
    entities = readTree(org);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes exactly the requested number of entities, plus the root Location', () => {
    expect(entities.length).toBe(ENTITIES + 1);
    const byKind = new Map<string, number>();
    for (const entity of entities) byKind.set(entity.kind, (byKind.get(entity.kind) ?? 0) + 1);
    expect(byKind.get('Location')).toBe(1);
    for (const kind of ORG_KINDS) expect(byKind.get(kind), kind).toBe(org.counts[kind]);
  });

  it('lists every written file in the root Location, each holding at most 1,000 entities', () => {
    const root = entities.find((entity) => entity.kind === 'Location')!;
    expect(root.spec?.targets).toEqual(org.files.map((file) => `./${file}`));
    for (const file of org.files) {
      const documents = fs.readFileSync(path.join(org.dir, file), 'utf8').split('\n---').length;
      expect(documents, file).toBeLessThanOrEqual(1000);
    }
  });

  it('writes only entities Backstage itself accepts', async () => {
    for (const entity of entities) {
      await expect(policy.enforce(entity), entity.metadata.name).resolves.toBeDefined();
      const results = await Promise.all(kindValidators.map((validator) => validator.check(entity)));
      expect(results.some(Boolean), `${entity.kind} ${entity.metadata.name}`).toBe(true);
    }
  });

  it('names are unique per kind', () => {
    const refs = entities.map((entity) => stringifyEntityRef(entity));
    expect(new Set(refs).size).toBe(refs.length);
  });

  it('leaves no relation dangling: every reference names an entity in the tree', () => {
    const known = new Set(entities.map((entity) => stringifyEntityRef(entity)));
    const dangling: string[] = [];
    let references = 0;
    for (const entity of entities) {
      const fields = REFERENCE_FIELDS[entity.kind];
      if (!fields) continue;
      for (const [field, defaultKind] of Object.entries(fields)) {
        const value = entity.spec?.[field];
        if (value === undefined) continue;
        for (const ref of Array.isArray(value) ? value : [value]) {
          references++;
          const target = stringifyEntityRef(parseEntityRef(String(ref), { defaultKind, defaultNamespace: 'default' }));
          if (!known.has(target)) dangling.push(`${entity.kind} ${entity.metadata.name} spec.${field} → ${target}`);
        }
      }
    }
    expect(dangling.slice(0, 10)).toEqual([]);
    expect(references).toBeGreaterThan(ENTITIES);
  });

  it('gives the query phase inputs that exist in the tree', () => {
    const known = new Set(entities.map((entity) => stringifyEntityRef(entity)));
    expect(org.samples.owners.length).toBeGreaterThan(0);
    for (const { team } of org.samples.owners) expect(known.has(`group:default/${team}`), team).toBe(true);
    for (const { kind, name } of org.samples.refs) expect(known.has(`${kind}:default/${name}`), name).toBe(true);
    expect(known.has(org.samples.probe.ref)).toBe(true);
    expect(org.samples.terms.length).toBeGreaterThan(10);
  });

  it('is deterministic: the same seed writes the same bytes', () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-org-'));
    try {
      const second = generateOrg({ dir: again, entities: ENTITIES, seed: 7 });
      for (const file of org.files) {
        expect(fs.readFileSync(path.join(again, file), 'utf8'), file).toBe(fs.readFileSync(path.join(dir, file), 'utf8'));
      }
      expect(second.samples).toEqual(org.samples);
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });
});
