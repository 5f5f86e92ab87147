import { expect, it } from 'vitest';
import { describeBrowser, screenshot, screenshotViewports, usePortal } from './support/browser.js';

// The demo organization (PAVED_DEMO=true): teams, systems, components such as cart-service and
// payment-gateway, APIs such as cart-api.
describeBrowser('the catalog and entity pages', () => {
  const portal = usePortal({ env: { PAVED_DEMO: 'true' } });

  const query = () => new URL(portal.page.url()).searchParams;
  const rowNames = () => portal.page.getByRole('table', { name: /^Entities/ }).getByRole('rowheader').allInnerTexts();

  it('searches the catalog, filters by kind, keeps both in the URL and across a reload', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/catalog');
    const table = page.getByRole('table', { name: /^Entities/ });
    await table.getByRole('rowheader').first().waitFor();
    const everything = await rowNames();
    expect(everything.length).toBeGreaterThan(5);
    await screenshotViewports(page, 'catalog');

    const search = page.getByRole('searchbox', { name: 'Search the catalog' });
    await search.pressSequentially('cart', { delay: 30 });
    await expect.poll(() => query().get('q')).toBe('cart');
    await expect.poll(rowNames).toEqual(expect.arrayContaining(['cart-service', 'cart-api']));
    expect((await rowNames()).length).toBeLessThan(everything.length);

    await page.getByRole('combobox', { name: 'Kind' }).selectOption('Component');
    await expect.poll(() => query().get('kind')?.toLowerCase()).toBe('component');
    await expect.poll(rowNames).toContain('cart-service');
    await expect.poll(rowNames).not.toContain('cart-api');
    expect(query().get('q')).toBe('cart');
    await screenshot(page, 'catalog-filtered');

    // The view lives in the URL: a reload (or a shared link) shows the same.
    const filtered = await rowNames();
    await page.reload();
    await table.getByRole('rowheader').first().waitFor();
    expect(await search.inputValue()).toBe('cart');
    expect((await page.getByRole('combobox', { name: 'Kind' }).inputValue()).toLowerCase()).toBe('component');
    expect(await rowNames()).toEqual(filtered);

    // A link with filters opens on them, too.
    await portal.open('/catalog?kind=api&q=cart');
    await expect.poll(rowNames).toEqual(['cart-api']);
  }, 90_000);

  it('opens an entity from the table and follows its relations, in the list and in the graph', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/catalog?kind=component');
    await page.getByRole('table', { name: /^Entities/ }).getByRole('link', { name: 'cart-service', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog/default/component/cart-service');
    await page.getByRole('heading', { level: 1, name: 'cart-service' }).waitFor();
    const tabs = page.getByRole('tablist');
    for (const tab of ['Overview', 'Deployments', 'Problems']) await tabs.getByRole('tab', { name: tab }).waitFor();
    expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    await screenshotViewports(page, 'entity-component');

    // The list of relations carries the links for the keyboard and screen readers.
    const related = page.getByRole('list', { name: 'Entities related to cart-service' });
    await related.getByRole('link', { name: /cart-api/ }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog/default/api/cart-api');
    await page.getByRole('heading', { level: 1, name: 'cart-api' }).waitFor();

    // The API tab renders the definition.
    await page.getByRole('tab', { name: 'API' }).click();
    await expect.poll(() => query().get('tab')).toBe('api');
    await page.getByRole('tabpanel').getByText(/cart/i).first().waitFor();
    await screenshot(page, 'entity-api-definition');

    // The graph is for the mouse: a click on a node opens that entity too. It is hidden from
    // assistive technology (the list above carries its links), so no role reaches it: CSS does.
    await page.getByRole('tab', { name: 'Overview' }).click();
    const node = page.locator('svg.relations-graph a.node').filter({ hasText: 'cart-service' });
    await node.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog/default/component/cart-service');
    await page.getByRole('heading', { level: 1, name: 'cart-service' }).waitFor();
  }, 90_000);

  it('moves between the entity tabs with the arrow keys', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/catalog/default/component/cart-service');
    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('End');
    await expect.poll(() => query().get('tab')).toBe('problems');
    expect(await page.getByRole('tab', { name: 'Problems' }).evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(() => query().get('tab')).toBeNull();
  }, 90_000);
});
