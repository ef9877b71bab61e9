import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDataDir, repoRoot } from '../paths';
import { findTemporalCli } from '../runtime/temporal-dev-server';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../testing/openai-test-server';
import { scriptedUnitAnswer } from '../testing/scripted-unit-answers';
import { makeStereoSpeechWav, makeMonoWav } from '../testing/audio-fixtures';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-cli-'));
let llm: OpenAiTestServer;

beforeAll(async () => {
  const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
  process.env.FE_TEST_STT_MODEL = modelPath;
  llm = await startOpenAiTestServer({
    respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))),
  });
});
afterAll(async () => {
  await llm?.close();
  rmSync(dir, { recursive: true, force: true });
});

function feedback(args: string[]) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/feedback.mjs'), ...args], {
    cwd: dir,
    env: { ...process.env, FE_DATA_DIR: path.join(dir, 'data'), TEMPORAL_CLI: findTemporalCli({ dataDir: defaultDataDir }), FE_STT_MODEL_PATH: process.env.FE_TEST_STT_MODEL!, FE_LLM_BASE_URL: llm.baseURL, FE_POLICY_BUNDLE_DIR: path.join(defaultDataDir, 'policy') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => r({ code, stdout, stderr })));
}

describe('feedback evaluate (CLI)', () => {
  it('evaluates a stereo recording end to end and writes the PDF and the JSON', async () => {
    const wav = await makeStereoSpeechWav(dir, { left: 'Good morning. What brings you in today? Tell me about the pain.', right: 'My knee has hurt for two weeks, mostly when I climb stairs.', gapSec: 0.6 });
    const r = await feedback(['evaluate', wav.path, '--rubric', 'communication-general', '--out', 'report.pdf', '--json', 'result.json', '--names', 'Dr. Lee,Sam Park']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(dir, 'report.pdf'));
    expect(r.stderr).toMatch(/100% completed/);
    expect(readFileSync(path.join(dir, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const json = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8'));
    expect(json.transcript.segments.some((s: { channel: number }) => s.channel === 0)).toBe(true);
    expect(json.transcript.segments.some((s: { channel: number }) => s.channel === 1)).toBe(true);
    expect(json.metrics.speakers).toHaveLength(2);
    expect(json.analysis.rubricId).toBe('communication-general');
  }, 300_000);

  it('refuses a mono recording with its code and writes no report', async () => {
    const mono = await makeMonoWav(dir, { name: 'mono.wav' });
    const r = await feedback(['evaluate', mono.path, '--out', 'mono.pdf']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[recording.mono]');
    expect(existsSync(path.join(dir, 'mono.pdf'))).toBe(false);
  }, 300_000);

  it('prints usage on stderr for a wrong command', async () => {
    const r = await feedback(['evaluat']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('feedback evaluate <stereo-audio>');
  }, 60_000);
});
