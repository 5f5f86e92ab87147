import { expect, it } from 'vitest';
import { describeBrowser, screenshot, screenshotViewports, usePortal } from './support/browser.js';

const PLATFORM_TEAM = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: platform-team }
spec: { type: team, children: [] }
`;

// The golden paths (PAVED_GOLDEN_PATHS=true) register node-service, python-service and
// docs-site; a run of node-service renders a repository into Paved's git and registers it.
describeBrowser('creating from a golden path in the portal', () => {
  const portal = usePortal({
    env: { PAVED_GOLDEN_PATHS: 'true' },
    setup: async (paved) => {
      paved.start();
      await paved.call('POST', '/api/catalog/entities', { body: PLATFORM_TEAM });
    },
  });

  it('runs the node-service template from its card and form to its output link', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/create');
    await page.getByRole('heading', { level: 1, name: 'Create something new' }).waitFor();
    await screenshotViewports(page, 'create-templates');
    await page.getByRole('link', { name: 'Choose Node.js HTTP service' }).click();
    await page.getByRole('heading', { level: 1, name: 'Node.js HTTP service' }).waitFor();

    // Page 1, Service: a name that breaks the template's pattern is refused on the spot.
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    await name.fill('Orders Web');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Service' }).waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'create-form-invalid');

    await name.fill('orders-web');
    await page.getByRole('textbox', { name: /^Description\b/ }).fill('Takes orders on the web.');
    await page.getByRole('combobox', { name: 'Owner', exact: true }).selectOption('group:default/platform-team');
    await screenshotViewports(page, 'create-form');
    await page.getByRole('button', { name: 'Next' }).click();

    // Page 2, Catalog and runtime: the port has its default; back keeps what was typed.
    await page.getByRole('heading', { level: 2, name: 'Catalog and runtime' }).waitFor();
    expect(await page.getByRole('spinbutton', { name: /^Port\b/ }).inputValue()).toBe('8080');
    await page.getByRole('button', { name: 'Back' }).click();
    expect(await name.inputValue()).toBe('orders-web');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Review' }).click();

    await page.getByRole('heading', { level: 2, name: 'Review' }).waitFor();
    await page.getByText('orders-web').first().waitFor();
    await screenshot(page, 'create-review');
    await page.getByRole('button', { name: 'Create', exact: true }).click();

    await page.getByRole('heading', { level: 1, name: 'Run of Node.js HTTP service' }).waitFor();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/create\/runs\/.+/);
    await page.getByRole('status').filter({ hasText: /completed/i }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('log', { name: 'Log' }).innerText()).not.toBe('');
    await screenshotViewports(page, 'create-run');

    await page.getByRole('link', { name: 'Open in catalog' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog/default/component/orders-web');
    await page.getByRole('heading', { level: 1, name: 'orders-web' }).waitFor();
    await page.getByRole('tab', { name: 'Repository' }).waitFor();
    await screenshot(page, 'create-output-entity');

    // The run is on the Runs page and on the home page.
    await portal.open('/runs');
    await page.getByText('Node.js HTTP service').first().waitFor();
    await screenshotViewports(page, 'runs-templates');
  }, 90_000);
});
