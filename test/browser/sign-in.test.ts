import { expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from '../support/people.js';
import { describeBrowser, screenshot, screenshotViewports, usePortal } from './support/browser.js';

describeBrowser('signing in to the portal', () => {
  const portal = usePortal();

  it('sends a visitor without a token to the sign-in page, refuses a bad token, and lets the admin in', async () => {
    const { page } = portal;
    await portal.open('/catalog?kind=component');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await screenshotViewports(page, 'sign-in');

    const token = page.getByLabel('API token');
    const signIn = page.getByRole('button', { name: 'Sign in' });
    expect(await signIn.isDisabled(), 'Sign in waits for a token').toBe(true);

    // The portal checks the token against /api/access/me: a wrong one is a 401 the browser logs.
    portal.allowConsoleErrors(/status of 401/);
    await token.fill('not-a-real-token');
    await signIn.click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('That token is not valid');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await screenshot(page, 'sign-in-refused');

    await token.fill('test-admin-token-0123456789abcdef');
    await signIn.click();
    // Back where the visitor was going, signed in.
    await expect.poll(() => `${new URL(page.url()).pathname}${new URL(page.url()).search}`).toBe('/catalog?kind=component');
    await page.getByRole('link', { name: /Signed in as admin/ }).waitFor();
  }, 90_000);

  it('shows the signed-in user on the home page, with the main navigation and the five cards', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/');
    await page.getByRole('heading', { level: 1, name: /Welcome, admin/ }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Home', 'Catalog', 'Create', 'Runs', 'Environments']) await nav.getByRole('link', { name: label, exact: true }).waitFor();
    for (const card of ['My components', 'My teams', 'My template runs', 'My pipeline runs', 'My deployments']) await page.getByRole('heading', { level: 2, name: card }).waitFor();
    await screenshotViewports(page, 'home');
  }, 90_000);

  it('signs out: the token is gone and the pages ask for it again', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.evaluate(() => localStorage.getItem('paved.token'))).toBeNull();
    await portal.open('/');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
  }, 90_000);

  it('moves through the main navigation with the keyboard', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Tab'); // the Paved brand link
    await page.keyboard.press('Tab'); // Home
    await page.keyboard.press('Tab'); // Catalog
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Catalog');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog');
  }, 90_000);
});

describeBrowser('the profile page', () => {
  let adaToken = '';
  const portal = usePortal({
    setup: async (paved) => {
      await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
      adaToken = (await paved.call('POST', '/api/access/tokens', { body: { name: 'browser', userRef: 'user:default/ada' } })).body.token;
    },
  });

  it('shows a user her name, her teams and her tokens, and makes a token she can sign in with', async () => {
    const { page } = portal;
    await portal.open('/sign-in');
    await page.getByLabel('API token').fill(adaToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: /Welcome, ada/ }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'My teams' }).waitFor();
    await page.getByRole('link', { name: 'team-a' }).first().waitFor();

    await page.getByRole('link', { name: /Signed in as ada/ }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/me');
    await page.getByRole('heading', { level: 1, name: 'ada' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Teams' }).waitFor();
    await page.getByRole('link', { name: 'team-a' }).first().waitFor();
    await page.getByRole('heading', { level: 2, name: 'API tokens' }).waitFor();
    await page.getByText('browser', { exact: true }).first().waitFor();
    await screenshotViewports(page, 'me');

    await page.getByRole('textbox', { name: 'Token name' }).fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByLabel('New token secret').innerText()).trim();
    expect(secret.length).toBeGreaterThan(16);
    await screenshot(page, 'me-token-created');

    // The new token signs in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: /Welcome, ada/ }).waitFor();
  }, 90_000);
});
