import { expect, it } from 'vitest';
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
  });

  it('shows the signed-in user on the home page, with the main navigation and the four cards', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/');
    await page.getByRole('heading', { level: 1, name: /Welcome, admin/ }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Home', 'Catalog', 'Create', 'Runs', 'Environments']) await nav.getByRole('link', { name: label, exact: true }).waitFor();
    for (const card of ['My components', 'My teams', 'My template runs', 'My deployments']) await page.getByRole('heading', { level: 2, name: card }).waitFor();
    await screenshotViewports(page, 'home');
  });

  it('signs out: the token is gone and the pages ask for it again', async () => {
    const { page } = portal;
    await portal.signIn();
    await portal.open('/');
    // Known: once signed out, the layout's `me` query still asks /api/access/me without a token
    // (useMe runs before RequireSignIn looks for one), which the browser logs as a 401.
    portal.allowConsoleErrors(/status of 401 .*\/api\/access\/me/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.evaluate(() => localStorage.getItem('paved.token'))).toBeNull();
    await portal.open('/');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
  });

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
  });
});
