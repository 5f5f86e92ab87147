import path from 'node:path';
import { CatalogClient } from '@backstage/catalog-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, DIALECTS, FIXTURES_DIR, type TestPaved, startTestPaved } from './support/test-paved.js';

const EXAMPLES = path.join(FIXTURES_DIR, 'backstage/backstage/packages/catalog-model/examples');

/** Backstage's own catalog client, pointed at Paved, must work unchanged. */
describe.each(DIALECTS)("Backstage's CatalogClient against Paved on %s", (dialect) => {
  let paved: TestPaved;
  let client: CatalogClient;

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
    const address = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    client = new CatalogClient({
      discoveryApi: { getBaseUrl: async () => `${address}/api/catalog` },
      fetchApi: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${ADMIN_TOKEN}` } }) },
    });
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('adds locations, dry runs included', async () => {
    const dry = await client.addLocation({ type: 'file', target: path.join(EXAMPLES, 'all-systems.yaml'), dryRun: true });
    expect(dry.entities.map((entity) => entity.metadata.name).sort()).toEqual(['artist-engagement-portal', 'audio-playback', 'example-systems', 'podcast']);
    for (const file of ['acme-corp.yaml', 'all-components.yaml', 'all-systems.yaml']) {
      const added = await client.addLocation({ type: 'file', target: path.join(EXAMPLES, file) });
      expect(added.location.target).toBe(path.join(EXAMPLES, file));
    }
  });

  it('gets entities by ref, with relations', async () => {
    const entity = await client.getEntityByRef('component:default/artist-lookup');
    expect(entity?.spec?.owner).toBe('team-a');
    expect(entity?.relations?.map((relation) => relation.type)).toEqual(expect.arrayContaining(['ownedBy', 'partOf', 'dependsOn']));
    expect(await client.getEntityByRef('component:default/does-not-exist')).toBeUndefined();
  });

  it('lists with filters, fields and order', async () => {
    const { items } = await client.getEntities({
      filter: { kind: 'Component', 'spec.type': 'service' },
      fields: ['metadata.name'],
      order: { field: 'metadata.name', order: 'desc' },
    });
    const names = items.map((item) => item.metadata.name);
    expect(names.length).toBeGreaterThan(3);
    expect(names).toEqual([...names].sort().reverse());
  });

  it('queries page by page with cursors until every entity is seen', async () => {
    const seen: string[] = [];
    let response = await client.queryEntities({ filter: { kind: 'User' }, limit: 4, orderFields: { field: 'metadata.name', order: 'asc' } });
    expect(response.totalItems).toBe(17);
    seen.push(...response.items.map((item) => `${item.metadata.namespace}/${item.metadata.name}`));
    while (response.pageInfo.nextCursor) {
      response = await client.queryEntities({ cursor: response.pageInfo.nextCursor, limit: 4 });
      seen.push(...response.items.map((item) => `${item.metadata.namespace}/${item.metadata.name}`));
    }
    expect(seen).toHaveLength(17);
    expect(new Set(seen).size).toBe(17);
  });

  it('searches full text', async () => {
    const response = await client.queryEntities({ fullTextFilter: { term: 'wayback' }, filter: { kind: 'component' } });
    expect(response.items.map((item) => item.metadata.name).sort()).toEqual(['wayback-archive', 'wayback-archive-ingestion', 'wayback-archive-storage', 'wayback-search']);
  });

  it('streams every entity', async () => {
    let count = 0;
    for await (const page of client.streamEntities({ pageSize: 10 })) count += page.length;
    const total = await client.queryEntities({ limit: 1 });
    expect(count).toBe(total.totalItems);
  });

  it('fetches by refs', async () => {
    const { items } = await client.getEntitiesByRefs({ entityRefs: ['group:default/team-a', 'component:default/nope'] });
    expect(items[0]?.metadata.name).toBe('team-a');
    expect(items[1]).toBeUndefined();
  });

  it('counts facets', async () => {
    const { facets } = await client.getEntityFacets({ facets: ['kind', 'spec.lifecycle'], filter: { kind: 'Component' } });
    expect(facets.kind).toEqual([{ value: 'Component', count: 13 }]);
    expect(facets['spec.lifecycle']!.reduce((sum, facet) => sum + facet.count, 0)).toBe(13);
  });

  it('finds, refreshes and removes locations', async () => {
    const location = await client.getLocationByEntity('component:default/artist-lookup');
    expect(location?.target).toBe(path.join(EXAMPLES, 'all-components.yaml'));
    await client.refreshEntity('component:default/artist-lookup');
    const { items } = await client.getLocations();
    expect(items.map((item) => item.target)).toContain(path.join(EXAMPLES, 'all-components.yaml'));
    expect(await client.getLocationById(location!.id)).toMatchObject({ id: location!.id, type: 'file' });
    await client.removeLocationById(location!.id);
    expect(await client.getEntityByRef('component:default/artist-lookup')).toBeUndefined();
  });

  it('validates entities', async () => {
    const valid = await client.validateEntity(
      { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'x' }, spec: { type: 'service', lifecycle: 'production', owner: 'team-a' } },
      'url:https://example.com/catalog-info.yaml',
    );
    expect(valid).toEqual({ valid: true });
    const invalid = await client.validateEntity({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'x' }, spec: {} }, 'url:x');
    expect(invalid.valid).toBe(false);
  });

  it('removes an entity by uid and reports ancestry', async () => {
    const group = await client.getEntityByRef('group:default/team-d');
    const ancestry = await client.getEntityAncestors({ entityRef: 'group:default/team-d' });
    expect(ancestry.rootEntityRef).toBe('group:default/team-d');
    await client.removeEntityByUid(group!.metadata.uid!);
    expect(await client.getEntityByRef('group:default/team-d')).toBeUndefined();
  });
});
