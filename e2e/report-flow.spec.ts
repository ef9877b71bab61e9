import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { expectAccessible } from './accessibility';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../backend/src/testing/openai-test-server';
import { startPipelineHarness, type PipelineHarness } from '../backend/src/testing/pipeline-harness';
import { scriptedUnitAnswer } from '../backend/src/testing/scripted-unit-answers';
import { makeStereoSpeechWav } from '../backend/src/testing/audio-fixtures';
import { webOutDir } from '../scripts/build-web';
import { echoConsole, launchChromium } from './chromium';
import { createSession, signIn } from './app-flows';

const SHOTS = path.resolve('test-results/e2e/screenshots');
const CLINICIAN_SAYS = 'Good morning. How have you been sleeping since we last met?';
const PATIENT_SAYS = 'Pretty well, thank you. The evening walks are going fine.';

interface ProgressPage {
  progressLog: string[];
  nextActionLog: string[];
  document: { body: unknown; querySelector(selector: string): { textContent: string | null } | null };
  MutationObserver: new (cb: () => void) => { observe(target: unknown, opts: object): void };
}

let llm: OpenAiTestServer;
let h: PipelineHarness;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-report-'));

test.beforeAll(async () => {
  test.setTimeout(240_000);
  llm = await startOpenAiTestServer({
    respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))),
  });
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true, webRoot: webOutDir });
});
test.afterAll(async () => {
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('a clinician signs in, creates a consented session, uploads a stereo WAV, the evaluation starts by itself and is followed step by step and reads the PDF report in the app', async () => {
  const wav = await makeStereoSpeechWav(tmp, { left: CLINICIAN_SAYS, right: PATIENT_SAYS, sampleRate: 48000 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    echoConsole(page, 'clinician');
    await signIn(page, h.runtime.apiUrl!, h.who.token);
    await createSession(page, { title: 'Sleep follow-up', owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });

    // Every text the progress bar shows, as the pushed events arrive (the page never polls).
    await page.evaluate(() => {
      // Typed by hand: this file compiles without the DOM library.
      const g = globalThis as unknown as ProgressPage;
      const log: string[] = (g.progressLog = []);
      const next: string[] = (g.nextActionLog = []);
      new g.MutationObserver(() => {
        const t = g.document.querySelector('[data-testid="evaluation"]')?.textContent ?? '';
        if (t && log[log.length - 1] !== t) log.push(t);
        const n = g.document.querySelector('[data-testid="next-action"]')?.textContent ?? '';
        if (n && next[next.length - 1] !== n) next.push(n);
      }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
    });
    // Before the upload, the evaluate button says why it cannot be pressed yet.
    await expect(page.getByRole('button', { name: 'Start evaluation' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Start evaluation' })).toHaveAccessibleDescription(/Upload the recording first/);
    await page.getByLabel(/^Recording file/).setInputFiles(wav.path);
    await page.getByRole('button', { name: 'Upload recording' }).click();
    // The upload form gives way to a done state.
    await expect(page.getByTestId('upload-done')).toContainText(/Recording uploaded \(\d+:\d\d, \d+ kB\)/);
    await expect(page.getByLabel(/^Recording file/)).toHaveCount(0);
    // Nobody presses "Start evaluation": it starts by itself after the upload, and the page said so.
    const steps = page.getByRole('list', { name: 'Evaluation steps' });
    await expect(steps).toBeVisible();
    expect(await page.evaluate(() => (globalThis as unknown as ProgressPage).nextActionLog)).toEqual(['Recording uploaded. The evaluation starts automatically.']);
    // While it runs: one step is current, the elapsed time counts.
    await expect(steps.locator('[aria-current="step"]')).toHaveCount(1);
    await expect(page.getByTestId('evaluation-elapsed')).toHaveText(/^Running for \d+ s$/);
    // …and the time left, from the recording's length at the declared step rates.
    await expect(page.getByTestId('evaluation-remaining')).toHaveText(/^(About \d+ (s|min) left|Almost done)$/);
    await steps.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SHOTS, 'guided-progress-1280x900.png') });
    await expectAccessible(page, 'a session page while it is evaluated');
    await page.setViewportSize({ width: 390, height: 844 });
    await steps.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SHOTS, 'guided-progress-390x844.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await expect(page.getByTestId('session-status')).toHaveText('Report ready', { timeout: 180_000 });
    const names = ['Preparing the recording', 'Transcribing', 'Coding behaviours', 'Scoring the rubric', 'Writing the summary', 'Checking evidence', 'Making the report'];
    await expect(steps.getByRole('listitem')).toHaveText(names.map((n) => new RegExp(`^✓${n} \\(done\\)$`)));
    await expect(page.getByTestId('evaluation-elapsed')).toHaveText(/^Took (\d+ s|\d+ min \d\d s)$/);
    // The results come first once ready, above the steps, and were brought into view.
    const results = page.getByRole('region', { name: 'Results' });
    await expect(results.getByRole('heading', { name: 'Results' })).toBeInViewport();
    const [resultsBox, stepsBox] = [await results.boundingBox(), await steps.boundingBox()];
    expect(resultsBox!.y).toBeLessThan(stepsBox!.y);
    await page.screenshot({ path: path.join(SHOTS, 'guided-results-first-1280x900.png') });
    await expectAccessible(page, 'a session page with its results');
    await page.setViewportSize({ width: 390, height: 844 });
    await results.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SHOTS, 'guided-results-first-390x844.png') });
    await steps.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SHOTS, 'guided-steps-done-390x844.png') });
    await expectAccessible(page, 'a session page with its results, on a phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    const log = await page.evaluate(() => (globalThis as unknown as ProgressPage).progressLog);
    // Step names in words, never the workflow's ids ("transcribing: 10 %").
    expect(log.join(' ')).not.toMatch(/\b(decoding|transcribing|metrics|coding|analyzing|summarizing|verifying|rendering)\b/);
    // Every named step was seen current at some point as the pushed events arrived.
    for (const n of ['Transcribing', 'Scoring the rubric', 'Writing the summary']) expect(log.join(' | ')).toContain(`${n} — `);
    const percents = log.map((t) => Number(/(\d+) %/.exec(t)?.[1] ?? NaN)).filter((n) => !Number.isNaN(n));
    expect(new Set(percents.filter((p) => p > 0 && p < 100)).size, `progress seen: ${log.join(' | ')}`).toBeGreaterThanOrEqual(2);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    const pdf = page.getByTitle('Feedback report (PDF)');
    await expect(pdf).toHaveAttribute('src', /^blob:/);
    const head = await page.evaluate(async (src) => {
      const b = await (await fetch(src!)).arrayBuffer();
      return { magic: new TextDecoder().decode(b.slice(0, 5)), bytes: b.byteLength };
    }, await pdf.getAttribute('src'));
    expect(head.magic).toBe('%PDF-');
    expect(head.bytes).toBeGreaterThan(5000);

    const metrics = page.getByRole('table', { name: 'Key metrics' });
    await expect(metrics.getByRole('columnheader', { name: 'Dr. Maya Okafor' })).toBeVisible();
    await expect(metrics.getByRole('row', { name: /Talk time/ })).toContainText(/\d+\.\d s/);

    const transcript = page.getByRole('region', { name: 'Transcript' });
    await expect(transcript.locator('li[data-channel="0"]').first()).toContainText('Dr. Maya Okafor:');
    await expect(transcript.locator('li[data-channel="0"]')).toContainText([/morning/i]);
    await expect(transcript.locator('li[data-channel="1"]')).toContainText([/thank you/i]);
    await expect(transcript.locator('li[data-channel="1"]').first()).toContainText('Daniel Reyes:');
    await expect(transcript.locator('li[data-channel="0"]', { hasText: /thank you/i })).toHaveCount(0);

    await page.getByRole('link', { name: 'Feedback Evaluation' }).click();
    await expect(page.getByRole('row', { name: /Sleep follow-up/ })).toContainText('Report ready');
  } finally {
    await browser.close();
  }
});
