import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';

const org = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: jane }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: omar }
spec: { memberOf: [team-b] }
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: { name: shop }
spec: { owner: team-a }
`;

const component = (name: string, owner: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, description: `The ${name} service`, tags: ['nodejs'] },
  spec: { type: 'service', lifecycle: 'production', owner, system: 'shop', ...extra },
});

describe.each(DIALECTS)('catalog entities on %s', (dialect) => {
  let paved: TestPaved;
  let janeToken: string;
  let omarToken: string;

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
    const applied = await paved.call('POST', '/api/catalog/entities', { body: org });
    expect(applied.status).toBe(200);
    janeToken = (await paved.call('POST', '/api/access/tokens', { body: { name: 'laptop', userRef: 'user:default/jane' } })).body.token;
    omarToken = (await paved.call('POST', '/api/access/tokens', { body: { name: 'laptop', userRef: 'user:default/omar' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('makes a pushed entity queryable at once, with relations on both ends', async () => {
    const created = await paved.call('POST', '/api/catalog/entities', { body: component('cart', 'team-a', { dependsOn: ['resource:cart-db'] }), token: janeToken });
    expect(created.status).toBe(200);
    expect(created.body.items[0]).toMatchObject({ entityRef: 'component:default/cart', status: 'created' });

    const cart = await paved.call('GET', '/api/catalog/entities/by-name/component/default/cart');
    expect(cart.status).toBe(200);
    expect(cart.body.metadata.uid).toEqual(expect.any(String));
    expect(cart.body.metadata.namespace).toBe('default');
    expect(cart.body.relations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ownedBy', targetRef: 'group:default/team-a' }),
        expect.objectContaining({ type: 'partOf', targetRef: 'system:default/shop' }),
        expect.objectContaining({ type: 'dependsOn', targetRef: 'resource:default/cart-db' }),
      ]),
    );
    const team = await paved.call('GET', '/api/catalog/entities/by-name/group/default/team-a');
    expect(team.body.relations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ownerOf', targetRef: 'component:default/cart' }),
        expect.objectContaining({ type: 'hasMember', targetRef: 'user:default/jane' }),
      ]),
    );
  });

  it('reports an unchanged re-apply as unchanged and keeps the uid on update', async () => {
    const before = (await paved.call('GET', '/api/catalog/entities/by-name/component/default/cart')).body;
    const again = await paved.call('POST', '/api/catalog/entities', { body: component('cart', 'team-a', { dependsOn: ['resource:cart-db'] }), token: janeToken });
    expect(again.body.items[0].status).toBe('unchanged');
    const updated = await paved.call('POST', '/api/catalog/entities', { body: component('cart', 'team-a', { lifecycle: 'deprecated' }), token: janeToken });
    expect(updated.body.items[0].status).toBe('updated');
    const after = (await paved.call('GET', '/api/catalog/entities/by-name/component/default/cart')).body;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.etag).not.toBe(before.metadata.etag);
    expect(after.spec.lifecycle).toBe('deprecated');
    expect(after.relations.some((r: { type: string }) => r.type === 'dependsOn')).toBe(false);
  });

  it('accepts an entity read back from the API, relations and all, as a descriptor', async () => {
    const cart = (await paved.call('GET', '/api/catalog/entities/by-name/component/default/cart')).body;
    const again = await paved.call('POST', '/api/catalog/entities', { body: cart, token: janeToken });
    expect(again.status).toBe(200);
    expect(again.body.items[0].status).toBe('unchanged');
  });

  it('forbids creating an entity owned by a team the caller is not in', async () => {
    const response = await paved.call('POST', '/api/catalog/entities', { body: component('sneaky', 'team-a'), token: omarToken });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('access.forbidden');
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/sneaky')).status).toBe(404);
    const audit = await paved.call('GET', '/api/audit?action=catalog.entity.create');
    expect(audit.body.items.every((event: { target: string }) => event.target !== 'component:default/sneaky')).toBe(true);
  });

  it('lets owners delete their entity, not others, and audits it', async () => {
    await paved.call('POST', '/api/catalog/entities', { body: component('to-delete', 'team-b'), token: omarToken });
    const { uid } = (await paved.call('GET', '/api/catalog/entities/by-name/component/default/to-delete')).body.metadata;
    expect((await paved.call('DELETE', `/api/catalog/entities/by-uid/${uid}`, { token: janeToken })).status).toBe(403);
    expect((await paved.call('DELETE', `/api/catalog/entities/by-uid/${uid}`, { token: omarToken })).status).toBe(204);
    expect((await paved.call('GET', `/api/catalog/entities/by-uid/${uid}`)).status).toBe(404);
    const group = (await paved.call('GET', '/api/catalog/entities/by-name/group/default/team-b')).body;
    expect(group.relations.some((r: { targetRef: string }) => r.targetRef === 'component:default/to-delete')).toBe(false);
    const audit = await paved.call('GET', '/api/audit?target=component:default/to-delete');
    expect(audit.body.items.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`)).toEqual([
      'user:default/omar catalog.entity.delete',
      'user:default/omar catalog.entity.create',
    ]);
  });

  it('rejects an invalid descriptor naming the document, line and JSON path, and stores nothing', async () => {
    const yaml = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: good-one
spec: { type: service, lifecycle: production, owner: team-a }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: bad-one
spec:
  type: service
  lifecycle: production
`;
    const response = await paved.call('POST', '/api/catalog/entities', { body: yaml, token: janeToken });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('catalog.entity_invalid');
    expect(response.body.error.details.problems[0]).toMatchObject({ document: 2, path: 'spec.owner', line: 11 });
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/good-one')).status).toBe(404);
  });

  it('rejects malformed YAML with the line of the error', async () => {
    const response = await paved.call('POST', '/api/catalog/entities', { body: 'kind: Component\nmetadata:\n  name: [unclosed\n' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('catalog.yaml_invalid');
    expect(response.body.error.details.line).toBeGreaterThanOrEqual(3);
  });

  it('refuses a YAML alias bomb without expanding it', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const response = await paved.call('POST', '/api/catalog/entities', { body: bomb.join('\n') });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('catalog.yaml_invalid');
  });

  it('queries by filter with cursor paging and a stable total', async () => {
    for (let i = 0; i < 7; i++) await paved.call('POST', '/api/catalog/entities', { body: component(`page-${i}`, 'team-b'), token: omarToken });
    const first = await paved.call('GET', '/api/catalog/entities/by-query?filter=kind=component,spec.owner=team-b&limit=3&orderField=metadata.name,asc&fields=metadata.name');
    expect(first.status).toBe(200);
    expect(first.body.totalItems).toBe(7);
    expect(first.body.items).toEqual([{ metadata: { name: 'page-0' } }, { metadata: { name: 'page-1' } }, { metadata: { name: 'page-2' } }]);
    const second = await paved.call('GET', `/api/catalog/entities/by-query?cursor=${first.body.pageInfo.nextCursor}&limit=3`);
    expect(second.body.items.map((e: any) => e.metadata.name)).toEqual(['page-3', 'page-4', 'page-5']);
    const third = await paved.call('GET', `/api/catalog/entities/by-query?cursor=${second.body.pageInfo.nextCursor}&limit=3`);
    expect(third.body.items.map((e: any) => e.metadata.name)).toEqual(['page-6']);
    expect(third.body.pageInfo.nextCursor).toBeUndefined();
    const back = await paved.call('GET', `/api/catalog/entities/by-query?cursor=${third.body.pageInfo.prevCursor}&limit=3`);
    expect(back.body.items.map((e: any) => e.metadata.name)).toEqual(['page-3', 'page-4', 'page-5']);
  });

  it('orders descending and filters by relation', async () => {
    const response = await paved.call('GET', '/api/catalog/entities/by-query?filter=relations.ownedBy=group:default/team-b&orderField=metadata.name,desc&limit=2');
    expect(response.body.items.map((e: any) => e.metadata.name)).toEqual(['page-6', 'page-5']);
    expect(response.body.items[0].relations).toBeDefined();
  });

  it('matches full text in name, description and tags, case-insensitively', async () => {
    const response = await paved.call('GET', '/api/catalog/entities/by-query?fullTextFilterTerm=PAGE-4%20java&limit=10');
    expect(response.body.items.map((e: any) => e.metadata.name)).toEqual([]);
    const byDescription = await paved.call('GET', '/api/catalog/entities/by-query?fullTextFilterTerm=The%20PAGE-4%20serv&limit=10');
    expect(byDescription.body.items.map((e: any) => e.metadata.name)).toEqual(['page-4']);
    const withLikeChars = await paved.call('GET', '/api/catalog/entities/by-query?fullTextFilterTerm=%25&limit=10');
    expect(withLikeChars.body.totalItems).toBe(0);
    const withQuotes = await paved.call('GET', '/api/catalog/entities/by-query?fullTextFilterTerm=%22page%22%20OR%20x&limit=10');
    expect(withQuotes.status).toBe(200);
    expect(withQuotes.body.totalItems).toBe(0);
    const short = await paved.call('GET', '/api/catalog/entities/by-query?fullTextFilterTerm=-4&filter=kind=component&limit=10');
    expect(short.body.items.map((e: any) => e.metadata.name)).toEqual(['page-4']);
    const byField = await paved.call('GET', '/api/catalog/entities/by-query?fullTextFilterTerm=page-4&fullTextFilterFields=metadata.name&limit=10');
    expect(byField.body.items.map((e: any) => e.metadata.name)).toEqual(['page-4']);
  });

  it('counts facets and recounts after a change', async () => {
    const facets = await paved.call('GET', '/api/catalog/entity-facets?facet=kind&facet=spec.owner');
    expect(facets.body.facets.kind).toEqual(expect.arrayContaining([{ value: 'Component', count: 8 }, { value: 'User', count: 2 }]));
    expect(facets.body.facets['spec.owner']).toEqual(expect.arrayContaining([{ value: 'team-b', count: 7 }]));
    await paved.call('POST', '/api/catalog/entities', { body: component('page-7', 'team-b'), token: omarToken });
    const after = await paved.call('GET', '/api/catalog/entity-facets?facet=spec.owner');
    expect(after.body.facets['spec.owner']).toEqual(expect.arrayContaining([{ value: 'team-b', count: 8 }]));
    const filtered = await paved.call('GET', '/api/catalog/entity-facets?facet=kind&filter=spec.owner=team-a');
    expect(filtered.body.facets.kind).toEqual([{ value: 'Component', count: 1 }, { value: 'System', count: 1 }]);
  });

  it('fetches by refs in order with null for missing ones', async () => {
    const response = await paved.call('POST', '/api/catalog/entities/by-refs', { body: { entityRefs: ['component:default/cart', 'component:default/missing', 'user:jane'], fields: ['kind', 'metadata.name'] } });
    expect(response.body.items).toEqual([{ kind: 'Component', metadata: { name: 'cart' } }, null, { kind: 'User', metadata: { name: 'jane' } }]);
  });

  it('validates without storing, Backstage style', async () => {
    expect((await paved.call('POST', '/api/catalog/validate-entity', { body: { entity: component('v', 'team-a'), location: 'url:x' } })).status).toBe(200);
    const invalid = await paved.call('POST', '/api/catalog/validate-entity', { body: { entity: { ...component('v', 'team-a'), kind: 'Widget' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].message).toContain('Unsupported kind Widget');
  });
});
