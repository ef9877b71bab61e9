import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { checkEchoBleed } from '../backend/src/audio/echo-bleed-check';
import { getLatestRecording } from '../backend/src/db/repositories/recordings';
import { startApiHarness, type ApiHarness } from '../backend/src/testing/api-harness';
import { webOutDir } from '../scripts/build-web';
import { expectNoAlert, createSession, signIn, turnOffAutoEvaluate } from './app-flows';
import { bestEnvelopeCorrelation, decodeAll, envelope, makeMicWav, rmsDb } from './audio-analysis';
import { joinAsGuest } from './call-session';
import { echoConsole, launchChromium } from './chromium';
import { createGuestNetwork, type GuestNetwork } from './guest-network';

const OWNER = [
  'Good morning, thank you for coming in today.',
  'How have you been sleeping since our last visit?',
  'Tell me more about the evening walks.',
  'What would make the next step easier for you?',
  'Which of these changes feels most important?',
  'How confident do you feel about it, from one to ten?',
];
const GUEST = [
  'I sleep about six hours now, sometimes less when work is busy.',
  'Mostly I worry about the salt in ready meals, it is everywhere.',
  'Probably cooking at home more often during the week.',
  'If my partner joined me, it would be a lot easier to keep going.',
  'The walks are fine, we go around the park after dinner.',
  'No, I think that covers it for today, thank you.',
];

// Two headless Chromiums carry real-time audio through network cuts on 2 cores. When the machine is
// starved (CI measured channel correlations of 0.64 and 0.70 where an idle run gives 0.97), the fake
// capture glitches while the reconnect itself worked; one retry tells that apart from a broken
// reconnect, which fails both attempts. Playwright reports a retried pass as "flaky", not hidden.
test.describe.configure({ retries: 1 });

// Made in beforeAll: the runner process also loads this file and would leave a directory behind.
let tmp: string;
let ownerWav: string;
let guestWav: string;
let h: ApiHarness;
let guestNet: GuestNetwork;
let guestBase: string;
const browsers: Browser[] = [];

test.beforeAll(async () => {
  test.setTimeout(180_000);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-reconnect-'));
  ownerWav = path.join(tmp, 'owner.wav');
  guestWav = path.join(tmp, 'guest.wav');
  // About two minutes of speech each (the sentences five times), so the guest still talks after both cuts.
  const five = (s: string[]) => [...s, ...s, ...s, ...s, ...s];
  await makeMicWav(ownerWav, { voice: 'en-us+m3', sentences: five(OWNER), pauseSec: 1.4, leadSec: 0.3, tailSec: 10 });
  await makeMicWav(guestWav, { voice: 'en-gb+f3', sentences: five(GUEST), pauseSec: 0.6, leadSec: 1.0, tailSec: 10 });
  h = await startApiHarness({ webRoot: webOutDir });
  guestNet = await createGuestNetwork(tmp);
  guestBase = await guestNet.forward(h.url);
});
test.afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});
test.afterAll(async () => {
  await guestNet?.close();
  await h?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface CallLogEntry {
  t: number;
  state: string;
  attempt: string;
  action: string;
}
// The e2e tsconfig has no DOM types: the little of the page this test reads, typed by hand.
type PageGlobals = { __callLog: CallLogEntry[]; document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } };

/** Every change of the call state line, with the page's clock (same host clock as the test). */
async function watchCallState(page: Page) {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const log: CallLogEntry[] = [];
    g.__callLog = log;
    let last = '';
    setInterval(() => {
      const el = g.document.querySelector('[data-testid="call-state"]');
      if (!el) return;
      const e = { t: Date.now(), state: el.getAttribute('data-state') ?? '', attempt: el.getAttribute('data-attempt') ?? '', action: el.getAttribute('data-action') ?? '' };
      const key = `${e.state}/${e.attempt}/${e.action}`;
      if (key !== last) log.push(e);
      last = key;
    }, 100);
  });
}
const callLog = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).__callLog);

/**
 * A call between the owner (this host's network) and the guest (own namespace), recorded by the
 * owner; the guest's network is cut for each of `cutsSec` in turn and restored. Whoever joins the
 * room second makes the offer, so `guestFirst` decides which side holds the offering connection.
 */
async function callThroughCuts(opts: { title: string; guestFirst: boolean; cutsSec: number[] }) {
  const { token, orgId } = await h.user('clinician');
  const ownerBrowser = await launchChromium(ownerWav);
  browsers.push(ownerBrowser);
  const guestBrowser = await guestNet.launchChromium(guestWav, guestBase);
  browsers.push(guestBrowser);

  const owner = await ownerBrowser.newPage();
  echoConsole(owner, 'owner');
  await turnOffAutoEvaluate(owner);
  await signIn(owner, h.url, token);
  const sessionId = await createSession(owner, { title: opts.title, owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });
  await owner.getByRole('link', { name: 'Open the call room' }).click();
  await owner.getByRole('button', { name: 'Create an invite code' }).click();
  const joinLink = new URL((await owner.getByRole('link', { name: /\?join=/ }).getAttribute('href'))!);
  const ownerJoins = async () => {
    await owner.getByRole('button', { name: 'Join the call with my microphone' }).click();
    if (!opts.guestFirst) await expect(owner.getByTestId('call-state')).toHaveAttribute('data-state', 'waiting');
  };
  if (!opts.guestFirst) await ownerJoins();

  const guest = await guestBrowser.newPage();
  echoConsole(guest, 'guest');
  // The guest, on its own network, reaches the API through the forwarder.
  await joinAsGuest(guest, `${guestBase}${joinLink.pathname}${joinLink.search}${joinLink.hash}`, { name: 'Daniel Reyes', consent: true });
  await expectNoAlert(guest, guest.getByTestId('call-state'));
  if (opts.guestFirst) {
    await expect(guest.getByTestId('call-state')).toHaveAttribute('data-state', 'waiting');
    await ownerJoins();
  }
  const ownerState = owner.getByTestId('call-state');
  const guestState = guest.getByTestId('call-state');
  await expect(guestState).toHaveAttribute('data-state', 'connected');
  await expect(ownerState).toHaveAttribute('data-state', 'connected');
  await watchCallState(owner);
  await watchCallState(guest);

  await owner.getByRole('button', { name: 'Start recording' }).click();
  await expect(owner.getByTestId('elapsed')).toHaveText('00:05', { timeout: 30_000 });
  const startedAt = Number(await owner.getByTestId('recording-indicator').getAttribute('data-started-at'));

  const cuts: { cutAt: number; restoredAt: number; reconnectedAt: number }[] = [];
  for (const sec of opts.cutsSec) {
    const cutAt = Date.now();
    await guestNet.cut();
    await expect(ownerState).toHaveAttribute('data-state', 'reconnecting', { timeout: 20_000 });
    await expect(ownerState).toContainText('Reconnecting');
    await expect(guestState).toHaveAttribute('data-state', 'reconnecting', { timeout: 20_000 });
    await owner.waitForTimeout(Math.max(0, cutAt + sec * 1000 - Date.now()));
    await guestNet.restore();
    const restoredAt = Date.now();
    await expect(ownerState).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
    await expect(ownerState).toHaveText(/^Connected/);
    const reconnectedAt = Date.now();
    await expect(guestState).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    await expect(owner.getByTestId('recording-indicator')).toContainText('Recording');
    cuts.push({ cutAt, restoredAt, reconnectedAt });
    // Talk on after the restart.
    await owner.waitForTimeout(9_000);
  }
  const iceRestarts = { owner: Number(await ownerState.getAttribute('data-ice-restarts')), guest: Number(await guestState.getAttribute('data-ice-restarts')) };
  // Fake microphones, no loudspeaker: the live echo hint must stay off on both sides.
  await expect(owner.getByTestId('echo-hint')).toHaveCount(0);
  await expect(guest.getByTestId('echo-hint')).toHaveCount(0);
  await owner.getByRole('button', { name: 'Stop recording and upload' }).click();
  await expectNoAlert(owner, owner.getByTestId('session-status').getByText('Recording uploaded'), 60_000);

  const ownerLog = await callLog(owner);
  const guestLog = await callLog(guest);
  const t0 = cuts[0]!.cutAt;
  const rel = (log: CallLogEntry[]) => log.map((e) => `${((e.t - t0) / 1000).toFixed(1)}s ${e.state}${e.attempt !== '0' ? ` #${e.attempt}` : ''}${e.action ? ` (${e.action})` : ''}`);
  console.log('cuts (s after the first cut)', cuts.map((c) => ({ cut: (c.cutAt - t0) / 1000, restored: (c.restoredAt - t0) / 1000, ownerConnected: (c.reconnectedAt - t0) / 1000 })));
  console.log('owner call states', rel(ownerLog));
  console.log('guest call states', rel(guestLog));

  const rec = await h.tdb.db.withOrg(orgId, (tx) => getLatestRecording(tx, sessionId, { status: 'accepted' }));
  if (!rec) throw new Error('no accepted recording on the server');
  const file = path.join(tmp, `${sessionId}.webm`);
  await h.blobs.getToFile(rec.orgId, { uri: rec.blobUri, sha256: rec.sha256, bytes: rec.bytes }, file);
  const rate = 16000;
  const [ch0, ch1] = await decodeAll(file, 2, rate);
  const [ownerSrc] = (await decodeAll(ownerWav, 1)).map((c) => envelope(c));
  const [guestSrc] = (await decodeAll(guestWav, 1)).map((c) => envelope(c));
  const span = (c: Float32Array, fromMs: number, toMs: number) => c.subarray(Math.round(((fromMs - startedAt) / 1000) * rate), Math.round(((toMs - startedAt) / 1000) * rate));
  const perCut = cuts.map((c) => {
    // From half a second after the owner saw "Connected": 8 s of channel 1.
    const after1 = span(ch1!, c.reconnectedAt + 500, c.reconnectedAt + 8500);
    return {
      reconnectAfterRestoreSec: (c.reconnectedAt - c.restoredAt) / 1000,
      reconnectingShownAfterCutSec: ((ownerLog.find((e) => e.t >= c.cutAt && e.state === 'reconnecting')?.t ?? NaN) - c.cutAt) / 1000,
      ownerAttempts: Math.max(0, ...ownerLog.filter((e) => e.t >= c.cutAt && e.t <= c.reconnectedAt).map((e) => Number(e.attempt) || 0)),
      ch1DuringCutDb: rmsDb(span(ch1!, c.cutAt + 8000, c.restoredAt)),
      ch1AfterDb: rmsDb(after1),
      ch1AfterGuest: bestEnvelopeCorrelation(envelope(after1), guestSrc!).r,
      ch1AfterOwner: bestEnvelopeCorrelation(envelope(after1), ownerSrc!).r,
    };
  });
  const figures = {
    recordedSec: ch0!.length / rate,
    ch1BeforeDb: rmsDb(span(ch1!, startedAt + 500, t0)),
    ch0Owner: bestEnvelopeCorrelation(envelope(span(ch0!, startedAt + 500, startedAt + 15_000)), ownerSrc!).r,
    perCut,
  };
  console.log("reconnect figures", JSON.stringify(figures, null, 1));
  const echo = await checkEchoBleed(file);
  console.log('echo bleed of the real call', { ...echo, spans: echo.spans.length });
  expect(echo.detected).toBe(false);

  expect(figures.recordedSec).toBeGreaterThan((cuts.at(-1)!.reconnectedAt - startedAt) / 1000);
  expect(figures.ch0Owner).toBeGreaterThan(0.8);
  for (const c of perCut) {
    expect(c.ownerAttempts).toBeGreaterThanOrEqual(1);
    // The guest's voice is back on channel 1 after each restart, and it is the guest's, not the owner's.
    expect(c.ch1AfterDb).toBeGreaterThan(-45);
    expect(c.ch1AfterGuest).toBeGreaterThan(0.8);
    expect(c.ch1AfterGuest - c.ch1AfterOwner).toBeGreaterThan(0.3);
  }
  return iceRestarts;
}

test("the guest's network drops twice (12 s, then 25 s with the signaling socket lost too): the call is restored each time, the recording goes on, and channel 1 carries the guest again afterwards", async () => {
  const r = await callThroughCuts({ title: 'Call over a bad line', guestFirst: false, cutsSec: [12, 25] });
  console.log('ICE restarts negotiated in place', r);
});

test('when the owner holds the offering connection, a 12 s drop is healed by an ICE restart the owner negotiates in place', async () => {
  const r = await callThroughCuts({ title: 'Owner restarts ICE', guestFirst: true, cutsSec: [12] });
  console.log('ICE restarts negotiated in place', r);
  expect(r.owner).toBeGreaterThanOrEqual(1);
});
