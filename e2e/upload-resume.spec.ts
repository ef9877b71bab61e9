import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { expectAccessible } from './accessibility';
import type { SessionView } from '../app/contracts/api';
import { makeOneSilentChannelWav, makeStereoSpeechWav } from '../backend/src/testing/audio-fixtures';
import { startApiHarness, type ApiHarness } from '../backend/src/testing/api-harness';
import { webOutDir } from '../scripts/build-web';
import { createSession, signIn, turnOffAutoEvaluate } from './app-flows';
import { echoConsole, launchChromium } from './chromium';

const run = promisify(execFile);
const SHOTS = path.resolve('test-results/e2e/screenshots');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-upload-'));
let h: ApiHarness;

test.beforeAll(async () => {
  h = await startApiHarness({ webRoot: webOutDir });
});
test.afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('the network drops during an upload: the app shows it queued, resumes where the server stopped when back online, and the sha256 matches', async () => {
  const { token } = await h.user('clinician');
  const speech = await makeStereoSpeechWav(tmp, { sampleRate: 48000 });
  // About 6 MB: several 1 MB PATCH requests, so the cut falls in the middle.
  const wav = path.join(tmp, 'long.wav');
  await run('sox', [speech.path, wav, 'pad', '0', '28']);
  const bytes = readFileSync(wav);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await turnOffAutoEvaluate(page);
    echoConsole(page, 'clinician');
    await signIn(page, h.url, token);
    const sessionId = await createSession(page, { title: 'Upload over a bad line', owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });

    // A slow line (each request held back a little), counting what actually travels.
    let patchedBytes = 0;
    let creations = 0;
    await page.route('**/v1/uploads**', async (route) => {
      const req = route.request();
      if (req.method() === 'POST') creations++;
      if (req.method() === 'PATCH') patchedBytes += req.postDataBuffer()?.length ?? 0;
      await new Promise((r) => setTimeout(r, 400));
      await route.continue().catch(() => undefined);
    });

    await page.getByLabel(/^Recording file/).setInputFiles(wav);
    await page.getByRole('button', { name: 'Upload recording' }).click();
    const upload = page.locator('.upload');
    await expect(upload).toContainText(/Uploading: ([1-9]\d{3}) of/);
    await context.setOffline(true);
    await expect(page.getByRole('status').filter({ hasText: 'You are offline' })).toContainText('1 upload queued');
    await expect(upload).toHaveAttribute('data-state', 'waiting');
    // The code is carried as data (data-code), not printed to the user (issue 13: no raw codes in messages).
    await expect(upload.getByRole('alert')).toHaveAttribute('data-code', 'upload.unreachable');
    await expect(upload.getByRole('alert')).toContainText('offline');

    await context.setOffline(false);
    // The "will be retried" notice is still on screen for a moment: wait for the outcome itself.
    await expect(page.getByTestId('session-status')).toHaveText('Recording uploaded', { timeout: 60_000 });
    await expect(upload).toHaveAttribute('data-state', 'completed');
    // The form gives way to a done state and one next action (automatic evaluation is off here).
    await expect(page.getByTestId('upload-done')).toContainText(/Recording uploaded \(\d+:\d\d, \d+ kB\)/);
    await expect(page.getByLabel(/^Recording file/)).toHaveCount(0);
    await expect(page.getByTestId('next-action')).toHaveText('Recording uploaded. Next: press "Start evaluation".');
    await expect(page.getByRole('button', { name: 'Start evaluation' })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Retry now' })).toHaveCount(0);
    await page.screenshot({ path: path.join(SHOTS, 'guided-uploaded-1280x900.png') });
    await expectAccessible(page, 'a session page after its upload');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('upload-done').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SHOTS, 'guided-uploaded-390x844.png') });

    const res = await fetch(`${h.url}/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } });
    const session = (await res.json()) as SessionView;
    expect(session.recording?.sha256).toBe(sha256);
    expect(session.recording?.bytes).toBe(bytes.length);
    // Resumed, not restarted: one creation, and at most one chunk of the file sent twice.
    expect(creations).toBe(1);
    expect(patchedBytes).toBeLessThanOrEqual(bytes.length + 1024 * 1024);
    expect(patchedBytes).toBeGreaterThanOrEqual(bytes.length);
  } finally {
    await browser.close();
  }
});

test('a refused upload says what to do instead, offers no "Retry now", and the greyed-out "Start evaluation" says why', async () => {
  const { token } = await h.user('clinician');
  const silent = await makeOneSilentChannelWav(tmp, { name: 'one-silent.wav' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await turnOffAutoEvaluate(page);
    echoConsole(page, 'clinician');
    await signIn(page, h.url, token);
    await createSession(page, { title: 'Only one voice', owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });
    await page.getByLabel(/^Recording file/).setInputFiles(silent.path);
    await page.getByRole('button', { name: 'Upload recording' }).click();

    const upload = page.locator('.upload');
    await expect(upload).toHaveAttribute('data-state', 'failed');
    await expect(upload.getByRole('alert')).toHaveAttribute('data-code', 'recording.empty_channel');
    await expect(upload.getByRole('alert')).not.toContainText('recording.empty_channel');
    await expect(page.getByTestId('upload-refused-help')).toContainText('Choose a recording with two channels');
    await expect(page.getByRole('button', { name: 'Retry now' })).toHaveCount(0);
    await expect(page.getByTestId('session-status')).toHaveText('Upload refused');
    // No full progress bar that reads like success.
    await expect(page.getByRole('progressbar', { name: 'Upload progress' })).toHaveCount(0);
    // What to do instead is possible right here: the form stays, emptied, for another file.
    await expect(page.getByLabel(/^Recording file/)).toHaveValue('');
    await expect(page.getByRole('button', { name: 'Upload recording' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Upload recording' })).toHaveAccessibleDescription('Choose another recording to upload.');
    await expect(page.getByTestId('upload-done')).toHaveCount(0);
    await expect(page.getByTestId('next-action')).toHaveCount(0);
    const evaluate = page.getByRole('button', { name: 'Start evaluation' });
    await expect(evaluate).toBeDisabled();
    await expect(evaluate).toHaveAccessibleDescription(/The upload was refused, so there is no recording to evaluate/);
    await page.screenshot({ path: path.join(SHOTS, 'guided-refused-1280x900.png') });
    await expectAccessible(page, 'a session page after a refused upload');
    await page.setViewportSize({ width: 390, height: 844 });
    await upload.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SHOTS, 'guided-refused-390x844.png') });

    // Doing what it says works: another (two-voice) recording is taken.
    const good = await makeStereoSpeechWav(tmp, { name: 'two-voices.wav', sampleRate: 48000 });
    await page.getByLabel(/^Recording file/).setInputFiles(good.path);
    await page.getByRole('button', { name: 'Upload recording' }).click();
    await expect(page.getByTestId('upload-done')).toBeVisible();
    await expect(page.getByTestId('session-status')).toHaveText('Recording uploaded');
    await expect(page.getByTestId('upload-refused-help')).toHaveCount(0);
    await expect(evaluate).toBeEnabled();
  } finally {
    await browser.close();
  }
});
