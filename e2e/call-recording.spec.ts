import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { getLatestRecording } from '../backend/src/db/repositories/recordings';
import { startApiHarness, type ApiHarness } from '../backend/src/testing/api-harness';
import { webOutDir } from '../scripts/build-web';
import { bestEnvelopeCorrelation, decodeAll, envelope, makeMicWav } from './audio-analysis';
import { echoConsole, launchChromium } from './chromium';
import { expectNoAlert } from './app-flows';
import { joinAsGuest, setUpCall } from './call-session';

const OWNER_SENTENCES = [
  'Good morning, thank you for coming in today.',
  'How have you been sleeping since our last visit?',
  'Tell me more about the evening walks.',
  'What would make the next step easier for you?',
  'That sounds like real progress to me.',
  'Which of these changes feels most important?',
  'Let us write that plan down together.',
  'How confident do you feel about it, from one to ten?',
  'What would move that number up a little?',
  'We can look at the readings again next month.',
  'Is there anything else you would like to talk about?',
  'Thank you, that was very helpful.',
];
const GUEST_SENTENCES = [
  'Pretty well, thanks.',
  'I sleep about six hours now, sometimes less when work is busy.',
  'The walks are fine.',
  'Mostly I worry about the salt in ready meals, it is everywhere.',
  'Yes.',
  'Probably cooking at home more often during the week.',
  'Seven, I think.',
  'If my partner joined me, it would be a lot easier to keep going.',
  'Okay.',
  'No, I think that covers it for today, thank you.',
];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-call-'));
const ownerWav = path.join(tmp, 'owner.wav');
const guestWav = path.join(tmp, 'guest.wav');
let h: ApiHarness;
let token: string;
let orgId: string;
const browsers: Browser[] = [];
const launch = async (wav?: string) => {
  const b = await launchChromium(wav);
  browsers.push(b);
  return b;
};

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // Different pause lengths give each voice its own on/off pattern, so the channels can be told apart.
  await makeMicWav(ownerWav, { voice: 'en-us+m3', sentences: OWNER_SENTENCES, pauseSec: 1.4, leadSec: 0.3, tailSec: 20 });
  await makeMicWav(guestWav, { voice: 'en-gb+f3', sentences: GUEST_SENTENCES, pauseSec: 0.6, leadSec: 1.0, tailSec: 20 });
  h = await startApiHarness({ webRoot: webOutDir });
  ({ token, orgId } = await h.user('clinician'));
});
test.afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});
test.afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function uploadedRecording(sessionId: string) {
  const rec = await h.tdb.db.withOrg(orgId, (tx) => getLatestRecording(tx, sessionId, { status: 'accepted' }));
  if (!rec) throw new Error('no accepted recording on the server');
  const file = path.join(tmp, `${sessionId}.webm`);
  await h.blobs.getToFile(rec.orgId, { uri: rec.blobUri, sha256: rec.sha256, bytes: rec.bytes }, file);
  return { rec, file };
}

async function channelMatches(file: string) {
  const [ch0, ch1] = (await decodeAll(file, 2)).map((c) => envelope(c));
  const [owner] = (await decodeAll(ownerWav, 1)).map((c) => envelope(c));
  const [guest] = (await decodeAll(guestWav, 1)).map((c) => envelope(c));
  return {
    seconds: ch0!.length * 0.02,
    ch0Owner: bestEnvelopeCorrelation(ch0!, owner!).r,
    ch0Guest: bestEnvelopeCorrelation(ch0!, guest!).r,
    ch1Guest: bestEnvelopeCorrelation(ch1!, guest!).r,
    ch1Owner: bestEnvelopeCorrelation(ch1!, owner!).r,
  };
}

test('two browsers hold a call; the owner records, stops and uploads: the owner is on channel 0 and the guest on channel 1 of the uploaded file', async () => {
  const { owner, sessionId } = await setUpCall({ url: h.url, token, ownerBrowser: await launch(ownerWav), guestBrowser: await launch(guestWav), title: 'Call follow-up', autoEvaluate: false });
  await owner.getByRole('button', { name: 'Start recording' }).click();
  await expect(owner.getByTestId('recording-indicator')).toContainText('Recording');
  await expect(owner.getByTestId('elapsed')).toHaveText('00:12', { timeout: 30_000 });
  await owner.getByRole('button', { name: 'Stop recording and upload' }).click();
  await expect(owner.getByRole('heading', { name: 'Call follow-up' })).toBeVisible();
  await expectNoAlert(owner, owner.getByTestId('session-status').getByText('Recording uploaded'), 60_000);

  const { rec, file } = await uploadedRecording(sessionId);
  expect(rec.container).toBe('webm');
  expect(rec.channels).toBe(2);
  const m = await channelMatches(file);
  console.log('channel correlations', m);
  expect(m.seconds).toBeGreaterThan(10);
  expect(m.ch0Owner).toBeGreaterThan(0.8);
  expect(m.ch1Guest).toBeGreaterThan(0.8);
  expect(m.ch0Owner - m.ch0Guest).toBeGreaterThan(0.3);
  expect(m.ch1Guest - m.ch1Owner).toBeGreaterThan(0.3);
});

test('a guest who does not consent cannot join, a used invite link admits nobody else, and a third participant with a new code is refused (room full)', async () => {
  const { joinLink, owner } = await setUpCall({ url: h.url, token, ownerBrowser: await launch(ownerWav), guestBrowser: await launch(guestWav), title: 'Three is a crowd' });
  const other = await launch();
  const noConsent = await other.newPage();
  echoConsole(noConsent, 'no-consent');
  await joinAsGuest(noConsent, joinLink, { name: 'Sam Sceptic', consent: false });
  await expect(noConsent.getByRole('alert')).toHaveAttribute('data-code', 'consent.missing');
  await expect(noConsent.getByTestId('call-state')).toHaveCount(0);

  // Invite codes are single-use: the link the guest already used admits nobody else.
  const reuse = await (await other.newContext()).newPage();
  echoConsole(reuse, 'reuse');
  await joinAsGuest(reuse, joinLink, { name: 'Link Reuser', consent: true });
  await expect(reuse.getByRole('alert')).toHaveAttribute('data-code', 'invite.invalid');
  await expect(reuse.getByTestId('call-state')).toHaveCount(0);

  // With a fresh code of their own, a third person still finds the call full.
  await owner.getByRole('button', { name: 'Create a new invite code' }).click();
  const inviteLink = owner.getByRole('link', { name: /\?join=/ });
  await expect(inviteLink).not.toHaveAttribute('href', joinLink);
  const secondLink = (await inviteLink.getAttribute('href'))!;
  const third = await (await other.newContext()).newPage();
  echoConsole(third, 'third');
  await joinAsGuest(third, secondLink, { name: 'Third Person', consent: true });
  await expect(third.getByTestId('call-state')).toHaveAttribute('data-state', 'refused');
  await expect(third.getByRole('alert')).toHaveAttribute('data-code', 'signal.room_full');
  // The call in progress is untouched.
  await expect(owner.getByTestId('call-state')).toHaveAttribute('data-state', 'connected');
  await expect(owner.getByTestId('call-state')).toContainText('Daniel Reyes');
});

test('the host page reloaded mid-recording: the recording is recovered from IndexedDB with at most 1 s lost, and uploaded', async () => {
  const { owner, sessionId } = await setUpCall({ url: h.url, token, ownerBrowser: await launch(ownerWav), guestBrowser: await launch(guestWav), title: 'Interrupted call', autoEvaluate: false });
  await owner.getByRole('button', { name: 'Start recording' }).click();
  const indicator = owner.getByTestId('recording-indicator');
  await expect(owner.getByTestId('elapsed')).toHaveText('00:08', { timeout: 30_000 });
  const startedAt = Number(await indicator.getAttribute('data-started-at'));
  const killedAt = await owner.evaluate(() => Date.now());
  await owner.reload();

  await owner.getByRole('link', { name: 'Back to the session' }).click();
  await expect(owner.getByRole('status').filter({ hasText: 'was interrupted' })).toBeVisible();
  await owner.getByRole('button', { name: 'Recover and upload the recording' }).click();
  await expectNoAlert(owner, owner.getByTestId('session-status').getByText('Recording uploaded'), 60_000);

  const { file } = await uploadedRecording(sessionId);
  const m = await channelMatches(file);
  const recordedSec = (killedAt - startedAt) / 1000;
  console.log('recovered', { recordedSec, recoveredSec: m.seconds, lostSec: recordedSec - m.seconds, ...m });
  expect(startedAt).toBeGreaterThan(0);
  expect(m.seconds).toBeLessThanOrEqual(recordedSec + 0.1);
  expect(recordedSec - m.seconds).toBeLessThanOrEqual(1);
  expect(m.ch0Owner).toBeGreaterThan(0.8);
  expect(m.ch1Guest).toBeGreaterThan(0.8);
});
