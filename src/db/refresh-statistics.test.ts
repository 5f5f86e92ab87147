import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestPaved, startTestPaved } from '../../test/support/test-paved.js';
import { refreshStatistics } from './refresh-statistics.js';

describe.each(DIALECTS)('refreshStatistics on %s', (dialect) => {
  let paved: TestPaved;
  beforeAll(async () => {
    paved = await startTestPaved(dialect);
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('analyzes the catalog tables and leaves them usable', async () => {
    await refreshStatistics(paved.database.db, ['catalog_entities', 'catalog_search']);
    expect((await paved.call('GET', '/api/catalog/entities/by-query?limit=1')).status).toBe(200);
  });
});
