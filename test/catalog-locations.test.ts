import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, FIXTURES_DIR, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';

const EXAMPLES = path.join(FIXTURES_DIR, 'backstage/backstage/packages/catalog-model/examples');

const componentYaml = (name: string, owner = 'team-a') => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  lifecycle: production
  owner: ${owner}
`;

describe.each(DIALECTS)('catalog locations on %s', (dialect) => {
  let paved: TestPaved;
  beforeAll(async () => {
    paved = await startTestPaved(dialect);
  });
  afterAll(async () => {
    await paved?.close();
  });

  async function register(target: string, type = 'file') {
    return paved.call('POST', '/api/catalog/locations', { body: { type, target } });
  }

  it("ingests Backstage's example organization through nested locations, queryable on return", async () => {
    const response = await register(path.join(EXAMPLES, 'acme-corp.yaml'));
    expect(response.status).toBe(201);
    expect(response.body.location).toMatchObject({ type: 'file', target: path.join(EXAMPLES, 'acme-corp.yaml') });
    expect(response.body.processing.problems).toEqual([]);
    const groups = await paved.call('GET', '/api/catalog/entities/by-query?filter=kind=group&limit=100&fields=metadata.name');
    // acme/org.yaml (acme-corp) and its seven group files.
    expect(groups.body.totalItems).toBe(8);
    const users = await paved.call('GET', '/api/catalog/entities/by-query?filter=kind=user&limit=1');
    expect(users.body.totalItems).toBe(17);
    const teamA = await paved.call('GET', '/api/catalog/entities/by-name/group/default/team-a');
    expect(teamA.body.metadata.annotations['backstage.io/managed-by-location']).toBe(`file:${path.join(EXAMPLES, 'acme/team-a-group.yaml')}`);
    expect(teamA.body.metadata.annotations['backstage.io/managed-by-origin-location']).toBe(`file:${path.join(EXAMPLES, 'acme-corp.yaml')}`);
    expect(teamA.body.relations).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'childOf', targetRef: 'group:default/backstage' })]));
  });

  it('ingests the example components, systems and domains, with their relations resolved', async () => {
    for (const file of ['all-components.yaml', 'all-systems.yaml', 'all-domains.yaml']) {
      const response = await register(path.join(EXAMPLES, file));
      expect(response.status).toBe(201);
      expect(response.body.processing.problems).toEqual([]);
    }
    const artistLookup = await paved.call('GET', '/api/catalog/entities/by-name/component/default/artist-lookup');
    expect(artistLookup.body.relations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ownedBy', targetRef: 'group:default/team-a' }),
        expect.objectContaining({ type: 'partOf', targetRef: 'system:default/artist-engagement-portal' }),
        expect.objectContaining({ type: 'dependsOn', targetRef: 'resource:default/artists-db' }),
      ]),
    );
    const system = await paved.call('GET', '/api/catalog/entities/by-name/system/default/artist-engagement-portal');
    expect(system.body.relations).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'hasPart', targetRef: 'component:default/artist-lookup' })]));
    const facets = await paved.call('GET', '/api/catalog/entity-facets?facet=kind');
    expect(facets.body.facets.kind).toEqual(expect.arrayContaining([{ value: 'Component', count: 13 }, { value: 'System', count: 3 }, { value: 'Domain', count: 3 }]));
  });

  it('refuses to register the same location twice', async () => {
    const response = await register(path.join(EXAMPLES, 'all-domains.yaml'));
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('catalog.location_exists');
    expect(response.body.error.details.locationId).toEqual(expect.any(String));
  });

  it('dry-runs a location without storing anything', async () => {
    writeFiles(paved.filesDir, { 'dry/catalog-info.yaml': componentYaml('dry-one') });
    const response = await paved.call('POST', '/api/catalog/locations?dryRun=true', { body: { type: 'file', target: path.join(paved.filesDir, 'dry/catalog-info.yaml') } });
    expect(response.status).toBe(201);
    expect(response.body.entities.map((e: any) => e.metadata.name)).toEqual(['dry-one']);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/dry-one')).status).toBe(404);
  });

  it('keeps the valid entities of a location and records each bad document with file, document, line and path', async () => {
    writeFiles(paved.filesDir, {
      'mixed/catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: { name: mixed }
spec:
  targets: [./good.yaml, ./invalid.yaml, ./broken.yaml, ./missing.yaml]
`,
      'mixed/good.yaml': componentYaml('mixed-good'),
      'mixed/invalid.yaml': `${componentYaml('mixed-fine')}---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: mixed-no-owner
spec:
  type: service
  lifecycle: production
`,
      'mixed/broken.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: [oops\n',
    });
    const target = path.join(paved.filesDir, 'mixed/catalog-info.yaml');
    const response = await register(target);
    expect(response.status).toBe(201);
    const problems = response.body.processing.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'catalog.entity_invalid', file: `file:${path.join(paved.filesDir, 'mixed/invalid.yaml')}`, document: 2, path: 'spec.owner', line: 14 }),
        expect.objectContaining({ code: 'catalog.yaml_invalid', file: `file:${path.join(paved.filesDir, 'mixed/broken.yaml')}`, document: 1, line: 4 }),
        expect.objectContaining({ code: 'catalog.location_not_found', file: `file:${path.join(paved.filesDir, 'mixed/missing.yaml')}` }),
      ]),
    );
    for (const name of ['mixed-good', 'mixed-fine']) expect((await paved.call('GET', `/api/catalog/entities/by-name/component/default/${name}`)).status).toBe(200);
    const location = await paved.call('GET', `/api/catalog/locations/${response.body.location.id}`);
    expect(location.body.status).toBe('error');
    expect(location.body.errors).toHaveLength(problems.length);
  });

  it('refreshes: picks up changes, removes what left the source, keeps what a broken file held', async () => {
    writeFiles(paved.filesDir, {
      'live/catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: { name: live }
spec: { targets: [./a.yaml, ./b.yaml] }
`,
      'live/a.yaml': `${componentYaml('live-a1')}---\n${componentYaml('live-a2')}`,
      'live/b.yaml': componentYaml('live-b'),
    });
    const registered = await register(path.join(paved.filesDir, 'live/catalog-info.yaml'));
    expect(registered.body.processing.added).toBe(4);

    writeFiles(paved.filesDir, { 'live/a.yaml': componentYaml('live-a1', 'team-b'), 'live/b.yaml': 'kind: [broken' });
    const refresh = await paved.call('POST', '/api/catalog/refresh', { body: { entityRef: 'component:default/live-a1' } });
    expect(refresh.status).toBe(200);
    const a1 = await paved.call('GET', '/api/catalog/entities/by-name/component/default/live-a1');
    expect(a1.body.spec.owner).toBe('team-b');
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/live-a2')).status).toBe(404);
    // b.yaml is broken now: its entity stays as it was until the file is fixed.
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/live-b')).status).toBe(200);

    writeFiles(paved.filesDir, { 'live/catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: { name: live }
spec: { targets: [./a.yaml] }
` });
    await paved.call('POST', '/api/catalog/refresh', { body: { entityRef: 'component:default/live-a1' } });
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/live-b')).status).toBe(404);
  });

  it('reports two locations claiming one entity as a conflict instead of overwriting', async () => {
    writeFiles(paved.filesDir, { 'first/catalog-info.yaml': componentYaml('contested'), 'second/catalog-info.yaml': componentYaml('contested', 'team-b') });
    await register(path.join(paved.filesDir, 'first/catalog-info.yaml'));
    const second = await register(path.join(paved.filesDir, 'second/catalog-info.yaml'));
    expect(second.body.processing.problems).toEqual([expect.objectContaining({ code: 'catalog.entity_conflict', entityRef: 'component:default/contested' })]);
    const contested = await paved.call('GET', '/api/catalog/entities/by-name/component/default/contested');
    expect(contested.body.spec.owner).toBe('team-a');
  });

  it('detects a location cycle and still ingests what it can', async () => {
    writeFiles(paved.filesDir, {
      'cycle/a.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: cycle-a }\nspec: { targets: [./b.yaml] }\n---\n${componentYaml('cycle-member')}`,
      'cycle/b.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: cycle-b }\nspec: { targets: [./a.yaml] }\n',
    });
    const response = await register(path.join(paved.filesDir, 'cycle/a.yaml'));
    expect(response.status).toBe(201);
    expect(response.body.processing.problems).toEqual([expect.objectContaining({ code: 'catalog.location_cycle' })]);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/cycle-member')).status).toBe(200);
  });

  it('refuses to register a target outside the allowed roots, and reports nested ones that escape through ../', async () => {
    const outside = await register('/etc/passwd');
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatchObject({ code: 'catalog.location_file_outside_roots', details: { path: 'target' } });
    expect((await paved.call('GET', '/api/catalog/locations')).body.map((item: any) => item.data.target)).not.toContain('/etc/passwd');
    writeFiles(paved.filesDir, { 'escape/catalog-info.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: escape }\nspec: { targets: [../../../../../../etc/hostname] }\n' });
    const traversal = await register(path.join(paved.filesDir, 'escape/catalog-info.yaml'));
    expect(traversal.status).toBe(201);
    expect(traversal.body.processing.problems).toEqual([expect.objectContaining({ code: 'catalog.location_file_outside_roots' })]);
  });

  it('refuses URL targets on loopback, private and link-local addresses', async () => {
    for (const target of ['http://127.0.0.1:7007/catalog-info.yaml', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x.yaml', 'http://10.0.0.1/x.yaml', 'http://localhost/x.yaml']) {
      const response = await register(target, 'url');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('catalog.location_url_refused');
    }
  });

  it('refuses to register a file that does not exist', async () => {
    const response = await register(path.join(paved.filesDir, 'nope/catalog-info.yaml'));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('catalog.location_not_found');
  });

  it('rejects a location of an unknown type or a non-http URL with a 400', async () => {
    expect((await register('/x', 'git')).status).toBe(400);
    const ftp = await register('ftp://example.com/catalog-info.yaml', 'url');
    expect(ftp.status).toBe(400);
    expect(ftp.body.error.code).toBe('catalog.location_invalid');
  });

  it('finds the location of an entity and removes a location with its entities', async () => {
    const byEntity = await paved.call('GET', '/api/catalog/locations/by-entity/component/default/live-a1');
    expect(byEntity.status).toBe(200);
    expect(byEntity.body.target).toBe(path.join(paved.filesDir, 'live/catalog-info.yaml'));
    const list = await paved.call('GET', '/api/catalog/locations');
    expect(list.body.map((item: any) => item.data.id)).toContain(byEntity.body.id);
    expect((await paved.call('DELETE', `/api/catalog/locations/${byEntity.body.id}`)).status).toBe(204);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/live-a1')).status).toBe(404);
    const audit = await paved.call('GET', `/api/audit?target=location:${byEntity.body.id}`);
    expect(audit.body.items.map((event: any) => event.action)).toEqual(['catalog.location.delete', 'catalog.location.create']);
  });

  it('does not let one user remove a location another registered', async () => {
    await paved.call('POST', '/api/catalog/entities', { body: 'apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: { name: mallory }\nspec: { memberOf: [] }\n' });
    const token = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/mallory' } })).body.token;
    const [first] = (await paved.call('GET', '/api/catalog/locations')).body;
    const response = await paved.call('DELETE', `/api/catalog/locations/${first.data.id}`, { token });
    expect(response.status).toBe(403);
    expect(fs.existsSync(first.data.target)).toBe(true);
  });
});
