import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { insertRecording } from '../backend/src/db/repositories/recordings';
import { createSessionWithParticipants, setSessionStatus } from '../backend/src/db/repositories/sessions';
import { startApiHarness, type ApiHarness } from '../backend/src/testing/api-harness';
import { webOutDir } from '../scripts/build-web';
import { expectAccessible } from './accessibility';
import { signIn } from './app-flows';
import { echoConsole, launchChromium } from './chromium';

const SHOTS = path.resolve(process.env.FE_E2E_SHOTS ?? 'test-results/e2e/screenshots');
mkdirSync(SHOTS, { recursive: true });
let h: ApiHarness;

const PATIENTS = ['Daniel Reyes', 'Amira Haddad', 'Tom Berg', 'José Álvarez', 'Lena Fischer'];
/** 25 sessions, Visit NN recorded on NN March: more than one page (20). Every third (i % 3 = 0) completed with a recording, else every fifth failed. */
async function seedSessions(orgId: string, userId: string): Promise<void> {
  const consent = { givenAt: new Date(), method: 'in_app', textVersion: 'consent-v1' };
  for (let i = 0; i < 25; i += 1) {
    await h.tdb.db.withOrg(orgId, async (tx) => {
      const s = await createSessionWithParticipants(tx, {
        title: `Visit ${String(i + 1).padStart(2, '0')}`,
        rubricId: i % 4 === 3 ? 'communication-general' : 'motivational-interviewing',
        createdBy: userId,
        recordedAt: new Date(Date.UTC(2026, 2, 1 + i, 10)).toISOString(),
        participants: [
          { channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', consent },
          { channel: 1, displayName: PATIENTS[i % PATIENTS.length]!, roleLabel: 'Patient', consent },
        ],
      });
      if (i % 3 === 0) {
        await insertRecording(tx, { sessionId: s.id, blobUri: `blob://test/${s.id}`, sha256: 'a'.repeat(64), bytes: 1000, durationSec: 120 + i * 7, container: 'wav', codec: 'pcm_s16le', channels: 2, sampleRate: 48000, status: 'accepted' });
        await setSessionStatus(tx, s.id, 'completed');
      } else if (i % 5 === 0) await setSessionStatus(tx, s.id, 'failed');
    });
  }
}

const rowsOf = (page: Page) => page.locator('table.session-table tbody tr');
// Strings: this folder compiles without the DOM library.
const noSideScroll = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');

test.beforeAll(async () => {
  h = await startApiHarness({ webRoot: webOutDir });
});
test.afterAll(async () => h?.close());

test('a new clinician sees an empty state that leads to creating a session', async () => {
  const { token } = await h.user('clinician');
  const browser = await launchChromium();
  try {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const page = await browser.newPage({ viewport });
      echoConsole(page, 'new-user');
      await signIn(page, h.url, token);
      await expect(page.getByRole('heading', { name: 'Start with your first session' })).toBeVisible();
      // One heading answers to the page's name, as the other specs look for it.
      await expect(page.getByRole('heading', { name: 'Sessions' })).toHaveCount(1);
      await expect(page.getByRole('search')).toHaveCount(0);
      await expect(page.getByRole('table')).toHaveCount(0);
      await page.screenshot({ path: path.join(SHOTS, `sessions-empty-${viewport.width}x${viewport.height}.png`), fullPage: true });
      await expectAccessible(page, 'the empty session list');
      await expect(page.getByRole('link', { name: 'New session' })).toHaveCount(1);
      await page.getByRole('link', { name: 'New session' }).click();
      await expect(page.getByRole('heading', { name: 'New session' })).toBeVisible();
      await expectAccessible(page, 'the new session form');
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test('a clinician with many sessions pages through them, searches by a patient\'s name and filters by status and date', async () => {
  const u = await h.user('clinician');
  await seedSessions(u.orgId, u.userId);
  // A colleague's session in the same org: the list never shows it.
  const colleague = await h.user('clinician', u.orgId);
  await h.tdb.db.withOrg(u.orgId, (tx) =>
    createSessionWithParticipants(tx, { title: 'Colleague visit', rubricId: 'motivational-interviewing', createdBy: colleague.userId, participants: [{ channel: 0, displayName: 'Dr. Someone Else', roleLabel: 'Clinician' }, { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'Patient' }] }),
  );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    echoConsole(page, 'clinician');
    const listRequests: string[] = [];
    page.on('request', (r) => {
      if (/\/v1\/sessions(\?|$)/.test(new URL(r.url()).pathname + new URL(r.url()).search)) listRequests.push(new URL(r.url()).search);
    });
    await signIn(page, h.url, u.token);

    // Paging: the first page holds 20, newest first; "Show more" asks for the next page by its cursor.
    await expect(rowsOf(page)).toHaveCount(20);
    await expect(rowsOf(page).first()).toContainText('Visit 25');
    await expect(page.getByTestId('list-count')).toHaveText('Showing 20 sessions — more below.');
    const row1 = rowsOf(page).filter({ hasText: 'Visit 25' });
    await expect(row1).toContainText('Lena Fischer (Patient)');
    await expect(row1).toContainText('Motivational interviewing');
    await expect(rowsOf(page).filter({ hasText: 'Visit 22' })).toContainText('4:27');
    await expect(rowsOf(page).filter({ hasText: 'Visit 22' }).locator('.badge')).toHaveText('Report ready');
    await expect(rowsOf(page).filter({ hasText: 'Visit 21' }).locator('.badge')).toHaveText('Evaluation failed');
    await page.screenshot({ path: path.join(SHOTS, 'sessions-list-1280x900.png'), fullPage: true });
    await expectAccessible(page, 'the session list');
    await page.getByRole('button', { name: 'Show more sessions' }).click();
    await expect(rowsOf(page)).toHaveCount(25);
    await expect(rowsOf(page).last()).toContainText('Visit 01');
    await expect(page.getByRole('button', { name: 'Show more sessions' })).toHaveCount(0);
    await expect(page.getByText('Colleague visit')).toHaveCount(0);
    expect(listRequests.filter((q) => q.includes('cursor='))).toHaveLength(1);

    // Search by a patient's name, accents not needed: Álvarez is sessions 4, 9, 14, 19, 24.
    await page.getByRole('searchbox', { name: 'Search' }).fill('alvarez');
    await expect(rowsOf(page)).toHaveCount(5);
    await expect(rowsOf(page).first()).toContainText('Visit 24');
    await expect(page.getByTestId('list-count')).toHaveText('Showing 5 sessions that match.');
    expect(listRequests.at(-1)).toContain('q=alvarez');
    await page.screenshot({ path: path.join(SHOTS, 'sessions-search-1280x900.png'), fullPage: true });

    // Plus a status filter: of those, the completed ones (i % 3 === 0: sessions 4 (i=3) and 19 (i=18)).
    await page.getByLabel('Status').selectOption({ label: 'Report ready' });
    await expect(rowsOf(page)).toHaveCount(2);
    await expect(rowsOf(page).nth(0)).toContainText('Visit 19');
    await expect(rowsOf(page).nth(1)).toContainText('Visit 04');

    // A date range that holds neither: the no-match state, and "Clear filters" brings back the whole list.
    await page.getByLabel('From').fill('2026-03-05');
    await page.getByLabel('To').fill('2026-03-18');
    await expect(page.getByTestId('no-match')).toBeVisible();
    await expect(rowsOf(page)).toHaveCount(0);
    await expectAccessible(page, 'the session list with no match');
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    // 5 to 18 March inclusive: Visits 05..18.
    await expect(rowsOf(page)).toHaveCount(14);
    await expect(rowsOf(page).first()).toContainText('Visit 18');
    await expect(rowsOf(page).last()).toContainText('Visit 05');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(rowsOf(page)).toHaveCount(20);

    // The rubric filter.
    await page.getByLabel('Rubric').selectOption({ label: 'Clinical communication (general)' });
    await expect(rowsOf(page)).toHaveCount(6);

    // Narrow screen: one card per session, no sideways scroll.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    echoConsole(phone, 'phone');
    await signIn(phone, h.url, u.token);
    await expect(rowsOf(phone)).toHaveCount(20);
    expect(await noSideScroll(phone)).toBe(true);
    const card = rowsOf(phone).first();
    await expect(card).toHaveCSS('display', 'block');
    await phone.screenshot({ path: path.join(SHOTS, 'sessions-list-390x844.png') });
    await phone.getByLabel('Status').selectOption({ label: 'Evaluation failed' });
    await expect(rowsOf(phone)).toHaveCount(3);
    expect(await noSideScroll(phone)).toBe(true);
    await phone.screenshot({ path: path.join(SHOTS, 'sessions-filtered-390x844.png'), fullPage: true });
    await expectAccessible(phone, 'the session list on a phone');
  } finally {
    await browser.close();
  }
});
