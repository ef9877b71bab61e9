import { expect, type Page } from '@playwright/test';
import { expectAccessible } from './accessibility';

/** What a clinician does in the app, step by step, through labels and roles only (as a screen reader user would). */
export async function signIn(page: Page, baseUrl: string, token: string) {
  await page.goto(baseUrl);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expectAccessible(page, 'the sign-in page');
  await page.getByText('Advanced / developer token').click();
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in with token' }).click();
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await expect(page.getByTestId('list-count').or(page.getByRole('heading', { name: 'Start with your first session' })).first()).not.toHaveText(/Loading/);
  await expectAccessible(page, 'the session list');
}

export async function createSession(page: Page, opts: { title: string; owner: string; other: string }): Promise<string> {
  await page.getByRole('link', { name: 'New session' }).click();
  await expect(page.getByRole('heading', { name: 'New session' })).toBeFocused();
  await page.getByLabel('Title').fill(opts.title);
  await expect(page.getByLabel('Rubric').locator('option')).not.toHaveCount(0);
  await expectAccessible(page, 'the new session form');
  const owner = page.getByRole('group', { name: 'You (channel 0)' });
  await owner.getByLabel('Name').fill(opts.owner);
  await owner.getByLabel('I consent to this session being recorded and evaluated.').check();
  const other = page.getByRole('group', { name: 'Other participant (channel 1)' });
  await other.getByLabel('Name').fill(opts.other);
  await other.getByLabel(/The other participant consents to this session being recorded and evaluated/).check();
  await page.getByRole('button', { name: 'Create session' }).click();
  await expectNoAlert(page, page.getByRole('heading', { name: opts.title }));
  const id = /#\/sessions\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  if (!id) throw new Error(`no session id in ${page.url()}`);
  await expectAccessible(page, 'a new session\'s page');
  return id;
}

/** Waits for `target`; if the app shows an error instead, fails with the error's code and text. */
export async function expectNoAlert(page: Page, target: ReturnType<Page['locator']>, timeout = 30_000) {
  const alert = page.getByRole('alert');
  await expect(target.or(alert).first())
    .toBeVisible({ timeout })
    .catch(async (e: Error) => {
      throw new Error(`${e.message}\npage ${page.url()} shows: ${(await page.locator('body').innerText()).slice(0, 1500)}`);
    });
  if (await alert.count()) throw new Error(`the app shows an error: ${(await alert.allTextContents()).join(' | ')}`);
}

/** The app starts the evaluation by itself after an upload; a harness without Temporal turns that setting off. */
export async function turnOffAutoEvaluate(page: Page): Promise<void> {
  await page.addInitScript(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('fe.autoEvaluate', 'off'));
}
