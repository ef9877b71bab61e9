import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { expectAccessible } from './accessibility';
import { DesktopContract } from '../app/contracts/ipc/desktop';
import { putOidcProvider } from '../backend/src/db/repositories/oidc';
import { startApiHarness, type ApiHarness } from '../backend/src/testing/api-harness';
import { browse, startTestIdp, type TestIdp } from '../backend/src/testing/oidc-test-idp';
import { createDispatcher } from '../main/adapters/dispatch';
import { createDesktopFeatures, type DesktopFeatures } from '../main/features/desktop-features';
import { createAesGcmCipher } from '../main/services/secret-store';
import { webOutDir } from '../scripts/build-web';
import { echoConsole, launchChromium } from './chromium';

/**
 * The sign-in screen in Chromium against the real API and a real OpenID Connect provider
 * (oidc-provider). Desktop: Electron cannot run here, so the page gets `window.desktop` from a
 * stand-in preload that forwards every call to the real main-process handlers (the same dispatcher
 * ipcMain uses) and their events back; "the system browser" of `secrets:signin` is an HTTP client
 * that fills in the IdP's login page. Web: the page itself goes to the IdP and comes back signed in
 * by the session cookie.
 */
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-signin-'));
const shots = process.env.FE_SCREENSHOTS_DIR ?? path.join(tmp, 'shots');
let h: ApiHarness;
let idp: TestIdp;
let orgId: string;
let browser: Browser;
let features: DesktopFeatures;
/** What the stand-in system browser does with the sign-in URL main opens. */
let systemBrowser: (url: string) => Promise<void> = async () => undefined;

test.beforeAll(async () => {
  // Access tokens shorter than the token store's 30 s early refresh: every read refreshes, so a refused refresh shows at once.
  h = await startApiHarness({ webRoot: webOutDir, desktopLifetimes: { accessTtlSec: 20 } });
  idp = await startTestIdp({
    redirectUris: [`${h.url}/v1/auth/oidc/callback`, 'http://127.0.0.1/oidc/callback'],
    postLogoutRedirectUris: [`${new URL(h.url).origin}/`],
    accounts: {
      carol: { email: 'carol@clinic.example', name: 'Carol Clinician', groups: ['grp-clinicians'] },
      mallory: { email: 'mallory@elsewhere.example', name: 'Mallory', groups: ['grp-clinicians'] },
    },
  });
  orgId = (await h.user('org_admin')).orgId;
  await h.tdb.db.withOrg(orgId, (tx) =>
    putOidcProvider(tx, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: 'openid email profile groups', roleClaim: 'groups', roleMap: { 'grp-clinicians': 'clinician' }, defaultRole: null, allowedDomains: ['clinic.example'] }),
  );
  features = createDesktopFeatures({ dataDir: path.join(tmp, 'desktop'), secretCipher: createAesGcmCipher(randomBytes(32)), openBrowser: (url) => systemBrowser(url) });
  await features.handlers['settings:update']({ backendUrl: h.url, autoUpload: false });
  browser = await launchChromium();
});
test.afterAll(async () => {
  await browser?.close();
  await features?.stop();
  await idp?.close();
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A page of the desktop renderer: `window.desktop` reaches the real main-process handlers. */
async function desktopPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  echoConsole(page, 'desktop');
  const dispatcher = createDispatcher(DesktopContract, features.handlers);
  await page.exposeFunction('feMainCall', (channel: string, input: unknown) => dispatcher.call(channel, input));
  const stop = features.events.subscribe((event, payload) => void page.evaluate(([e, p]) => (globalThis as unknown as { feMainEvent(e: string, p: unknown): void }).feMainEvent(e, p), [event, payload] as const).catch(() => undefined));
  page.on('close', stop);
  await page.addInitScript(() => {
    const listeners = new Map<string, Set<(p: unknown) => void>>();
    const w = globalThis as unknown as Record<string, unknown>;
    w.feMainEvent = (e: string, p: unknown) => listeners.get(e)?.forEach((l) => l(p));
    w.desktop = {
      send: (channel: string, input: unknown) => (w.feMainCall as (c: string, i: unknown) => Promise<unknown>)(channel, input),
      on(event: string, listener: (p: unknown) => void) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
        return () => void listeners.get(event)!.delete(listener);
      },
    };
  });
  await page.goto(h.url);
  return page;
}

/** Deactivates or reactivates a user as SCIM would (by id: emails are sealed at rest). */
const setUserActive = async (userId: string, active: boolean) => {
  const c = new pg.Client({ connectionString: h.tdb.url });
  await c.connect();
  try {
    expect((await c.query('UPDATE users SET active = $2 WHERE org_id = $1 AND id = $3', [orgId, active, userId])).rowCount).toBe(1);
  } finally {
    await c.end();
  }
};

test.describe.configure({ mode: 'serial' });

test('desktop: the screen offers the organisation sign-in; the token path is behind Advanced and empty', async () => {
  const page = await desktopPage();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in with your organisation' })).toBeVisible();
  await expect(page.getByLabel('Access token')).toBeHidden();
  await page.getByText('Advanced / developer token').click();
  await expect(page.getByLabel('Access token')).toBeVisible();
  await expect(page.getByLabel('Access token')).toHaveValue('');
  await page.screenshot({ path: path.join(shots, 'signin-desktop-1280.png'), fullPage: true });
  await expectAccessible(page, 'the desktop sign-in page with the token field open');
  await page.close();
});

test('desktop: waiting for the browser can be cancelled; a refused sign-in shows its plain message and code; a good one lands in the app', async () => {
  const page = await desktopPage();
  await page.getByLabel('Organisation ID').fill(orgId);

  // The browser never comes back: the app waits, and Cancel stops waiting.
  let opened: (url: string) => void = () => undefined;
  const openedUrl = new Promise<string>((r) => (opened = r));
  systemBrowser = async (url) => opened(url);
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Waiting for your browser…' })).toBeVisible();
  expect(new URL(await openedUrl).pathname).toBe('/v1/auth/oidc/start');
  await page.screenshot({ path: path.join(shots, 'signin-desktop-waiting-1280.png'), fullPage: true });
  await expectAccessible(page, 'the desktop sign-in page waiting for the browser');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Sign in with your organisation' })).toBeVisible();
  // The browser coming back late reaches nothing: main closed its listener and keeps no tokens.
  await expect(browse(await openedUrl, 'carol')).rejects.toThrow();
  expect((await features.handlers['secrets:get']({ name: 'api.token' })).value).toBeNull();
  await expect(page.getByRole('alert')).toHaveCount(0);

  // A user of a domain the org does not allow: the API's plain message, its code on the element.
  systemBrowser = async (url) => void (await browse(url, 'mallory'));
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toHaveAttribute('data-code', 'auth.domain_not_allowed');
  await expect(alert).toContainText('Sign-in failed');
  await expect(alert).not.toContainText('auth.domain_not_allowed');
  await page.screenshot({ path: path.join(shots, 'signin-desktop-refused-1280.png'), fullPage: true });
  await expectAccessible(page, 'the desktop sign-in page after a refusal');

  systemBrowser = async (url) => void (await browse(url, 'carol'));
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await expect(page.getByText('Carol Clinician')).toBeVisible();
  await page.close();
});

test('desktop: a sign-in refused at its refresh returns to the sign-in screen with the reason', async () => {
  // Kept from the previous test: the app starts signed in from the main process's tokens.
  const page = await desktopPage({ width: 390, height: 844 });
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  const { value: token } = await features.handlers['secrets:get']({ name: 'api.token' });
  const { userId } = (await (await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { userId: string };
  await setUserActive(userId, false);
  try {
    // Any read of the token now refreshes, the API refuses, and main emits secrets:revoked.
    expect(await features.handlers['secrets:get']({ name: 'api.token' }).catch((e: { code: string }) => e.code)).toBe('auth.user_deactivated');
    const notice = page.getByRole('status').filter({ hasText: 'You were signed out:' });
    await expect(notice).toBeVisible();
    await expect(notice).toHaveAttribute('data-code', 'auth.user_deactivated');
    await expect(page.getByRole('button', { name: 'Sign in with your organisation' })).toBeVisible();
    await page.screenshot({ path: path.join(shots, 'signin-desktop-revoked-390.png'), fullPage: true });
    await expectAccessible(page, 'the sign-in page after the sign-in was revoked');
  } finally {
    await setUserActive(userId, true);
  }
  await page.close();
});

/** oidc-provider's own dev login and consent pages, in the real page (each test page is a new browser context: no grant yet). */
async function loginAtIdp(page: Page, login: string) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('web: a refused sign-in comes back to the screen with its plain message and code, and out of the address bar', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  echoConsole(page, 'web');
  await page.goto(`${h.url}/?org=${orgId}`);
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await loginAtIdp(page, 'mallory');
  const alert = page.getByRole('alert');
  await expect(alert).toHaveAttribute('data-code', 'auth.domain_not_allowed');
  await expect(alert).toContainText('Your email address’s domain may not sign in to this organisation.');
  expect(new URL(page.url()).search).toBe('');
  await expect(page.getByLabel('Organisation ID')).toHaveValue(orgId);
  await page.screenshot({ path: path.join(shots, 'signin-web-refused-1280.png'), fullPage: true });
  await expectAccessible(page, 'the web sign-in page after a refusal');
  // An org without single sign-on: the start itself comes back with its code.
  await page.getByLabel('Organisation ID').fill('00000000-0000-4000-8000-000000000001');
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'auth.oidc_not_configured');
  await page.close();
});

test('web: the same button goes to the organisation\'s sign-in page and back, signed in by the session cookie; sign-out ends it', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  echoConsole(page, 'web');
  await page.goto(`${h.url}/?org=${orgId}`);
  await expect(page.getByLabel('Organisation ID')).toHaveValue(orgId);
  await page.screenshot({ path: path.join(shots, 'signin-web-390.png'), fullPage: true });
  await expectAccessible(page, 'the web sign-in page on a phone');
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await loginAtIdp(page, 'carol');
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  const cookies = await page.context().cookies(h.url);
  expect(cookies.find((c) => c.name === '__Host-fe_session')?.httpOnly).toBe(true);
  expect(await page.evaluate(() => JSON.stringify((globalThis as unknown as { sessionStorage: object }).sessionStorage))).not.toContain('fe_');
  // A reload stays signed in by the cookie alone.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  // RP-initiated logout: the IdP's own end-session page, then back to the app.
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.getByRole('button', { name: /yes, sign me out/i }).click();
  await page.waitForURL((u) => u.origin === new URL(h.url).origin);
  await expect(page.getByRole('button', { name: 'Sign in with your organisation' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in with your organisation' })).toBeVisible();
  // The IdP's session ended too: signing in again asks for the login, not straight back in.
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await expect(page.locator('input[name="login"]')).toBeVisible();
  await page.close();
});
