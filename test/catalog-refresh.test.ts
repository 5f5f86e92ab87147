import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './support/until.js';
import { DIALECTS, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';

const component = (name: string, lifecycle: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: ${name} }\nspec: { type: service, lifecycle: ${lifecycle}, owner: team-a }\n`;

describe.each(DIALECTS)('background refresh on %s', (dialect) => {
  let paved: TestPaved;
  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, { PAVED_CATALOG_REFRESH_SECONDS: '1' });
    paved.start();
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('re-reads locations on its own: changes appear, removed entities go, and the audit log says so', async () => {
    writeFiles(paved.filesDir, { 'bg/catalog-info.yaml': `${component('bg-one', 'experimental')}---\n${component('bg-two', 'experimental')}` });
    const registered = await paved.call('POST', '/api/catalog/locations', { body: { type: 'file', target: path.join(paved.filesDir, 'bg/catalog-info.yaml') } });
    expect(registered.status).toBe(201);

    writeFiles(paved.filesDir, { 'bg/catalog-info.yaml': component('bg-one', 'production') });
    const one = await until(
      () => paved.call('GET', '/api/catalog/entities/by-name/component/default/bg-one'),
      (response) => response.body.spec?.lifecycle === 'production',
    );
    expect(one.body.spec.lifecycle).toBe('production');
    const two = await until(
      () => paved.call('GET', '/api/catalog/entities/by-name/component/default/bg-two'),
      (response) => response.status === 404,
    );
    expect(two.status).toBe(404);
    // The location's summary is audited once its whole read is done, just after its last batch.
    const audit = await until(
      () => paved.call('GET', `/api/audit?action=catalog.location.refresh&target=location:${registered.body.location.id}`),
      (response) => response.body.items.length > 0,
    );
    expect(audit.body.items[0]).toMatchObject({ actor: 'system', details: expect.objectContaining({ updated: 1, removed: 1 }) });
  });
});
