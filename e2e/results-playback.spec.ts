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

// Several sentences per side, so cited units start well after 0 s and a wrong seek shows.
const CLINICIAN_SAYS = 'Good morning. How have you been sleeping since we last met? Tell me about the evening walks.';
const PATIENT_SAYS = 'Pretty well, thank you. The evening walks are going fine. I sleep better now.';
const SHOTS = path.resolve('test-results/e2e/screenshots');

interface MediaPage {
  document: { querySelector(selector: string): { currentTime: number; paused: boolean } | null; scrollingElement: { scrollWidth: number; clientWidth: number } | null };
}
const audioState = () => {
  const a = (globalThis as unknown as MediaPage).document.querySelector('audio');
  return a ? { t: a.currentTime, paused: a.paused } : null;
};

const scrollToTop = (l: import('@playwright/test').Locator) => l.evaluate((e) => e.scrollIntoView({ block: 'start' }));

let llm: OpenAiTestServer;
let h: PipelineHarness;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-e2e-results-'));

test.beforeAll(async () => {
  test.setTimeout(240_000);
  llm = await startOpenAiTestServer({ respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))) });
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true, webRoot: webOutDir });
});
test.afterAll(async () => {
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('the results list each item\'s cited units and a play button plays that span of the recording, streamed with range requests', async () => {
  const wav = await makeStereoSpeechWav(tmp, { left: CLINICIAN_SAYS, right: PATIENT_SAYS, gapSec: 1, sampleRate: 48000 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    echoConsole(page, 'clinician');
    const media: { status: number; range: string | null }[] = [];
    page.on('response', (r) => {
      if (/\/v1\/sessions\/[0-9a-f-]{36}\/recording\?/.test(r.url())) media.push({ status: r.status(), range: r.request().headers().range ?? null });
    });
    await signIn(page, h.runtime.apiUrl!, h.who.token);
    await createSession(page, { title: 'Sleep follow-up', owner: 'Dr. Maya Okafor', other: 'Daniel Reyes' });
    await page.getByLabel(/^Recording file/).setInputFiles(wav.path);
    await page.getByRole('button', { name: 'Upload recording' }).click();
    await expect(page.getByTestId('session-status')).toHaveText('Report ready', { timeout: 180_000 });

    const results = page.getByRole('region', { name: 'Results' });
    await expect(results.getByRole('button', { name: /^Play / }).first()).toBeVisible();
    // The unit that starts last: a seek to 0 (or anywhere else) would not land in its span.
    const units = await results.locator('[data-unit]').evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-unit')!, start: Number(e.getAttribute('data-start')), end: Number(e.getAttribute('data-end')) })));
    const unit = units.reduce((a, b) => (b.start > a.start ? b : a));
    expect(unit.start, JSON.stringify(units)).toBeGreaterThan(1);
    const row = results.locator(`[data-unit="${unit.id}"]`).first();

    await scrollToTop(results);
    await page.screenshot({ path: path.join(SHOTS, 'results-1280x900.png') });
    // The suggestions from the behaviour counts come last, with their figure and target (this short session has no summary).
    const practice = results.locator('[data-kind="practice"]');
    await expect(practice.first()).toContainText('From the behaviour counts');
    const summaries = practice.filter({ hasText: /^From the behaviour counts · SummariesSummaries: 0 \(target: / });
    await expect(summaries).toHaveCount(1);
    await expect(summaries).toContainText('Nothing to point to: what is counted here was not said.');
    await practice.first().evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SHOTS, 'results-practice-1280x900.png') });
    await row.scrollIntoViewIfNeeded();
    await row.getByRole('button', { name: /^Play / }).click();
    await expect(row).toHaveClass(/playing/);
    await row.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SHOTS, 'results-playing-1280x900.png') });
    await expectAccessible(page, 'the results while a cited unit plays');
    // Playing inside the cited span…
    await expect.poll(async () => (await page.evaluate(audioState))?.t ?? -1, { timeout: 15_000 }).toBeGreaterThan(unit.start + 0.05);
    const during = (await page.evaluate(audioState))!;
    expect(during.t).toBeGreaterThanOrEqual(unit.start);
    expect(during.t).toBeLessThanOrEqual(unit.end + 0.35);
    // …and it stops at the span's end.
    await expect.poll(async () => (await page.evaluate(audioState))?.paused, { timeout: 15_000 }).toBe(true);
    const after = (await page.evaluate(audioState))!;
    expect(after.t).toBeGreaterThanOrEqual(unit.end);
    expect(after.t).toBeLessThanOrEqual(unit.end + 0.6);
    await expect(row).not.toHaveClass(/playing/);
    // A unit that ends well before the recording does stops at its own end, not at the file's.
    const early = units.reduce((a, b) => (b.end < a.end ? b : a));
    expect(early.end, JSON.stringify(units)).toBeLessThan(wav.durationSec - 2);
    const earlyRow = results.locator(`[data-unit="${early.id}"]`).first();
    await earlyRow.getByRole('button', { name: /^Play / }).click();
    await expect(earlyRow).toHaveClass(/playing/);
    await expect.poll(async () => (await page.evaluate(audioState))?.paused, { timeout: 15_000 }).toBe(true);
    const stopped = (await page.evaluate(audioState))!;
    expect(stopped.t).toBeGreaterThanOrEqual(early.end);
    expect(stopped.t).toBeLessThanOrEqual(early.end + 0.6);
    // The element streamed the route: at least one partial answer to a Range request.
    expect(media.some((m) => m.status === 206 && m.range?.startsWith('bytes=')), JSON.stringify(media)).toBe(true);
    expect(media.every((m) => m.status === 200 || m.status === 206), JSON.stringify(media)).toBe(true);

    await page.setViewportSize({ width: 390, height: 844 });
    await scrollToTop(results);
    await page.screenshot({ path: path.join(SHOTS, 'results-390x844.png') });
    await row.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SHOTS, 'results-unit-390x844.png') });
    const overflow = await page.evaluate(() => {
      const e = (globalThis as unknown as MediaPage).document.scrollingElement!;
      return e.scrollWidth - e.clientWidth;
    });
    expect(overflow, 'horizontal scroll at 390 px').toBeLessThanOrEqual(0);
  } finally {
    await browser.close();
  }
});
