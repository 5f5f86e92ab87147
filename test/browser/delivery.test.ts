import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from '../support/people.js';
import { ADMIN_TOKEN, type TestPaved } from '../support/test-paved.js';
import { until } from '../support/until.js';
import { cloneNewRepository, removeEverything, workloadScore, workloadServer } from '../support/workload.js';
import { describeBrowser, screenshot, screenshotViewports, usePortal } from './support/browser.js';

// A repository team-a/shop in Paved's git, with the component `shop` that names it, pushed to
// for real: its pipeline runs, and its workload is deployed to dev and promoted from the portal.
const SHOP_COMPONENT = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop
  description: The shop, deployed from team-a/shop
  annotations: { paved.dev/git-repository: team-a/shop }
spec: { type: service, lifecycle: production, owner: team-a }
`;

const SLOW_PIPELINE = `apiVersion: paved.dev/v1
kind: Pipeline
metadata: { name: slow }
spec:
  on: { push: { branches: [main] } }
  jobs:
    build:
      steps:
        - name: tick
          run: for i in 1 2 3 4 5; do echo tick $i; sleep 1; done
`;

describeBrowser('pipelines and delivery in the portal', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-browser-delivery-'));
  let repository: Awaited<ReturnType<typeof cloneNewRepository>>;
  let pavedOf: TestPaved;
  const portal = usePortal({
    setup: async (paved, baseUrl) => {
      pavedOf = paved;
      paved.start();
      await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
      await paved.call('POST', '/api/catalog/entities', { body: SHOP_COMPONENT });
      repository = await cloneNewRepository(paved, { token: ADMIN_TOKEN, host: new URL(baseUrl).host, work });
    },
  });

  const runsOf = async () => (await pavedOf.call('GET', '/api/pipelines/repositories/team-a/shop/runs')).body.items as { id: string; number: number; status: string }[];

  it('shows a pipeline log live: lines appear while the step runs', async () => {
    const { page } = portal;
    await repository.push({ '.paved/pipeline.yaml': SLOW_PIPELINE });
    const [run] = await until(runsOf, (items) => items.length > 0);
    expect(run, 'the push started a pipeline run').toBeDefined();

    await portal.signIn();
    await page.goto(`/runs/pipelines/${run!.id}`);
    await page.getByRole('heading', { level: 1, name: /Pipeline run team-a\/shop #1/ }).waitFor();
    const log = page.getByRole('log', { name: 'Log' });
    await log.getByText('tick 1', { exact: true }).waitFor();
    // Live: the first tick is on the page while the step is still running and later ticks come.
    const seenFirst = await log.innerText();
    expect(seenFirst).not.toContain('tick 5');
    await screenshot(page, 'pipeline-run-live');
    await log.getByText('tick 3', { exact: true }).waitFor();
    await log.getByText('tick 5', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('status').filter({ hasText: /succeeded/i }).waitFor({ timeout: 15_000 });
    await screenshotViewports(page, 'pipeline-run');

    // The component's Pipelines tab lists the run and shows its log too.
    await portal.open('/catalog/default/component/shop?tab=pipelines');
    await page.getByRole('table', { name: 'Pipeline runs' }).getByRole('button', { name: 'Run #1' }).waitFor();
    await expect.poll(() => page.getByRole('log', { name: 'Log' }).innerText()).toMatch(/tick 5/);
    await screenshot(page, 'entity-pipelines');

    // And the Runs page, pipeline runs view.
    await portal.open('/runs?view=pipelines');
    await page.getByText('team-a/shop').first().waitFor();
    await screenshotViewports(page, 'runs-pipelines');
  }, 90_000);

  it('promotes a deployment from dev to staging on the component page, and shows it on the environment page', async () => {
    const { page } = portal;
    await repository.push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '1' }), '.paved/pipeline.yaml': SLOW_PIPELINE.replace('for i in 1 2 3 4 5; do echo tick $i; sleep 1; done', 'echo ok') });
    const deployed = (await pavedOf.call('POST', '/api/delivery/deployments', { body: { repository: 'team-a/shop', environment: 'dev' } })).body;
    expect(deployed.id, JSON.stringify(deployed)).toBeDefined();
    const settled = await until(async () => (await pavedOf.call('GET', `/api/delivery/deployments/${deployed.id}`)).body, (body) => ['succeeded', 'failed'].includes(body.status), 60_000);
    expect(settled.status, JSON.stringify(settled)).toBe('succeeded');

    await portal.signIn();
    await portal.open('/catalog/default/component/shop?tab=deployments');
    const whereItRuns = page.getByRole('table', { name: 'Where it runs' });
    await whereItRuns.getByRole('rowheader', { name: 'dev' }).waitFor();
    await screenshot(page, 'entity-deployments');
    await whereItRuns.getByRole('button', { name: 'Promote to staging' }).click();
    await whereItRuns.getByRole('group', { name: 'Promote to staging' }).getByRole('button', { name: 'Confirm' }).click();
    await whereItRuns.getByRole('status').filter({ hasText: /to staging/ }).filter({ hasText: /succeeded/i }).waitFor({ timeout: 60_000 });
    await whereItRuns.getByRole('rowheader', { name: 'staging' }).waitFor();
    await screenshot(page, 'entity-deployments-promoted');

    const staging = await until(async () => (await pavedOf.call('GET', '/api/delivery/workloads?environment=staging')).body.items as { workload: string }[], (items) => items.length > 0);
    expect(staging.map((item) => item.workload)).toEqual(['shop']);

    // The environments: the list, and staging's page with the workload on it.
    await portal.open('/environments');
    await page.getByRole('heading', { level: 1, name: 'Environments' }).waitFor();
    await screenshotViewports(page, 'environments');
    await portal.open('/environments/staging');
    await page.getByRole('heading', { level: 1, name: 'Environment staging' }).waitFor();
    await page.getByRole('heading', { name: /shop/ }).first().waitFor();
    await screenshotViewports(page, 'environment-staging');

    // The same promotion from dev's page: the workload's card, a confirming dialog.
    await portal.open('/environments/dev');
    await page.getByRole('button', { name: 'Promote to staging' }).click();
    const dialog = page.getByRole('dialog', { name: 'Promote shop to staging?' });
    await screenshot(page, 'environment-promote-dialog');
    await dialog.getByRole('button', { name: 'Promote', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Deployment #\d+ to staging started/ }).waitFor();
    await until(async () => (await pavedOf.call('GET', '/api/delivery/deployments?environment=staging')).body.items as { status: string }[], (items) => items.length === 2 && items.every((item) => item.status === 'succeeded'), 60_000);
    await removeEverything(pavedOf);
  }, 90_000);
});
