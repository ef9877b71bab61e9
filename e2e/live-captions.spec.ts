import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { expectAccessible } from './accessibility';
import { DesktopContract, DesktopEvents } from '../app/contracts/ipc/desktop';
import { normaliseWords } from '../app/transcript/wer';
import { startApiHarness, type ApiHarness } from '../backend/src/testing/api-harness';
import { defaultDataDir } from '../backend/src/paths';
import { startWsBridge, type WsBridge } from '../main/adapters/ws-bridge';
import { createDesktopFeatures, type DesktopFeatures } from '../main/features/desktop-features';
import { createAesGcmCipher } from '../main/services/secret-store';
import { webOutDir } from '../scripts/build-web';
import { setupWhisperModel } from '../scripts/setup/whisper-model';
import { makeMicWav } from './audio-analysis';
import { launchChromium } from './chromium';
import { createSession, expectNoAlert, signIn } from './app-flows';
import { setUpCall } from './call-session';

/**
 * The browser harness: the owner's page talks to the main-process handlers over the local
 * WebSocket bridge (the desktop app uses the same handlers over IPC), so the recorder's
 * AudioWorklet feeds the real draft transcriber and live captions show in the call room.
 */
const OWNER_SENTENCES = [
  'Good morning, thank you for coming in today.',
  'How have you been sleeping since our last visit?',
  'Tell me more about the evening walks.',
  'What would make the next step easier for you?',
  'Let us write that plan down together.',
  'How confident do you feel about it, from one to ten?',
  'We can look at the readings again next month.',
  'Is there anything else you would like to talk about?',
];
const GUEST_SENTENCES = ['Pretty well, thanks.', 'I sleep about six hours now, sometimes less when work is busy.', 'The walks are fine.', 'Mostly I worry about the salt in ready meals.', 'Probably cooking at home more often during the week.', 'Seven, I think.'];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-captions-'));
const ownerWav = path.join(tmp, 'owner.wav');
const guestWav = path.join(tmp, 'guest.wav');
let h: ApiHarness;
let token: string;
let features: DesktopFeatures;
let bridge: WsBridge;
const browsers: Browser[] = [];
const launch = async (wav?: string) => {
  const b = await launchChromium(wav);
  browsers.push(b);
  return b;
};

/** True when `shown` holds three consecutive words of one of `sentences` (Whisper's casing and punctuation aside). */
function hasWordsOf(shown: string, sentences: string[]): boolean {
  const said = ` ${normaliseWords(shown).join(' ')} `;
  return sentences.some((s) => {
    const w = normaliseWords(s);
    for (let i = 0; i + 3 <= w.length; i++) if (said.includes(` ${w.slice(i, i + 3).join(' ')} `)) return true;
    return false;
  });
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  // The guest speaks in the owner's pauses (longer owner pauses), as in a real exchange.
  await makeMicWav(ownerWav, { voice: 'en-us+m3', sentences: OWNER_SENTENCES, pauseSec: 2.5, leadSec: 0.3, tailSec: 20 });
  await makeMicWav(guestWav, { voice: 'en-gb+f3', sentences: GUEST_SENTENCES, pauseSec: 2.5, leadSec: 2.0, tailSec: 20 });
  h = await startApiHarness({ webRoot: webOutDir });
  ({ token } = await h.user('clinician'));
  const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
  const dataDir = path.join(tmp, 'desktop');
  features = createDesktopFeatures({ dataDir, secretCipher: createAesGcmCipher(randomBytes(32)), draftTranscriber: { modelPath, threads: 1 } });
  await features.handlers['settings:update']({ autoUpload: false });
  bridge = await startWsBridge({ contract: DesktopContract, handlers: features.handlers, events: features.events, eventNames: Object.keys(DesktopEvents) });
});
test.afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});
test.afterAll(async () => {
  await bridge?.close();
  await features?.stop();
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('live captions of the owner and the guest appear under the right speaker during the call; after stop the full draft is in the review', async () => {
  const url = new URL(h.url);
  url.searchParams.set('bridge', bridge.url);
  url.searchParams.set('bridgeToken', bridge.token);
  const { owner, sessionId } = await setUpCall({ url: url.href, token, ownerBrowser: await launch(ownerWav), guestBrowser: await launch(guestWav), title: 'Captioned call' });
  // The token left the address bar once it was kept for the tab.
  expect(owner.url()).not.toContain('bridgeToken');
  await owner.getByRole('button', { name: 'Start recording' }).click();
  await expect(owner.getByTestId('recording-indicator')).toContainText('Recording');

  const ownerCaptions = owner.getByRole('region', { name: 'Captions of Dr. Maya Okafor' });
  const guestCaptions = owner.getByRole('region', { name: 'Captions of Daniel Reyes' });
  await expect(ownerCaptions.getByRole('list')).toHaveAttribute('aria-live', 'polite');
  await expect.poll(async () => hasWordsOf(await ownerCaptions.innerText(), OWNER_SENTENCES), { timeout: 60_000 }).toBe(true);
  await expect.poll(async () => hasWordsOf(await guestCaptions.innerText(), GUEST_SENTENCES), { timeout: 60_000 }).toBe(true);
  // Each speaker's words stay in their own column.
  expect(hasWordsOf(await ownerCaptions.getByRole('list').innerText(), GUEST_SENTENCES)).toBe(false);
  expect(hasWordsOf(await guestCaptions.getByRole('list').innerText(), OWNER_SENTENCES)).toBe(false);
  await expect(owner.getByTestId('recording-indicator')).toBeVisible();
  await expectAccessible(owner, 'the call room while recording, with live captions');

  await owner.getByRole('button', { name: 'Stop recording and upload' }).click();
  await expectNoAlert(owner, owner.getByRole('heading', { name: 'Captioned call' }), 60_000);
  const draft = owner.getByRole('region', { name: 'Draft transcript (on this device)' });
  await expect(draft.locator('li[data-channel="0"]').first()).toBeVisible();
  const lines = (channel: 0 | 1) => draft.locator(`li[data-channel="${channel}"] .text`).allInnerTexts();
  expect(hasWordsOf((await lines(0)).join(' '), OWNER_SENTENCES)).toBe(true);
  expect(hasWordsOf((await lines(1)).join(' '), GUEST_SENTENCES)).toBe(true);
  expect(hasWordsOf((await lines(0)).join(' '), GUEST_SENTENCES)).toBe(false);
  expect((await features.handlers['drafts:get']({ sessionId })).complete).toBe(true);
});

test('the plain web build without a local draft service says the draft needs the desktop app', async () => {
  const page = await (await launch()).newPage();
  await signIn(page, h.url, token);
  await createSession(page, { title: 'Browser only', owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });
  await page.getByRole('link', { name: 'Open the call room' }).click();
  await expect(page.getByTestId('captions-unavailable')).toHaveText(/need the desktop app/);
});
