import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoderInfo, VerifiedAnalysis } from '../../app/rubric/analysis';
import { runAnalysis } from '../../backend/src/analysis/run-analysis';
import type { UnitCoder } from '../../backend/src/coding/unit-coder';
import { getRubric } from '../../backend/src/rubrics/rubric-catalog';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../../backend/src/testing/openai-test-server';
import { schemaOf } from '../../backend/src/testing/scripted-unit-answers';
import { loadContrastPairs, VERSIONS, type Version } from './contrast-pairs';
import { comparePair, CONTRAST_TARGETS } from './contrast-scores';
import { scriptUnits } from './contrast-units';

/**
 * Issue 9: the analysis tells a good consultation from a poor one. The embedded model's answers to
 * one contrast pair were recorded by `npm run bench:evaluation` (bench/results/evaluation-answers,
 * copied to fixtures/contrast-answers); here they are replayed through a local server speaking the
 * OpenAI wire format, so the whole analysis after the model (repair, degenerate-output check,
 * citation checks, assembly, scoring) runs for real. Any change there that loses the direction fails.
 */
const SCENARIO = 'asthma-review';
const RUBRIC = 'motivational-interviewing';
const fixtures = path.join(import.meta.dirname, 'fixtures', 'contrast-answers');

interface Recorded {
  coding: { coder: CoderInfo; answer: Record<string, string> } | null;
  calls: { schema: string; content: string; temperature: number }[];
}

const recorded = Object.fromEntries(VERSIONS.map((v) => [v, JSON.parse(readFileSync(path.join(fixtures, `${SCENARIO}-${v}-${RUBRIC}.json`), 'utf8')) as Recorded])) as Record<Version, Recorded>;
let version: Version = 'good';
const answerKeys = (content: string) => {
  try {
    return Object.keys(JSON.parse(content) as object).join(',');
  } catch {
    return '';
  }
};
let server: OpenAiTestServer;

beforeAll(async () => {
  server = await startOpenAiTestServer({
    respond(req) {
      const { name, schema } = schemaOf(req.body);
      const temperature = (req.body as { temperature?: number }).temperature ?? 0;
      // One call per rubric item shares its section's schema name: the item ids asked for tell them apart.
      const keys = Object.keys(schema.properties ?? {}).join(',');
      const at = (t: number) => recorded[version].calls.find((c) => c.schema === name && c.temperature === t && (!name.startsWith('section_') || answerKeys(c.content) === keys));
      // A retry the recording never made (the checks have changed since): the model answering the same again.
      const call = at(temperature) ?? at(0);
      if (!call) throw new Error(`no recorded answer for ${version} ${name} (${keys}) at temperature ${temperature}`);
      return chatCompletion(call.content);
    },
  });
});
afterAll(async () => server?.close());

const replayCoder = (v: Version): UnitCoder => ({
  info: recorded[v].coding!.coder,
  code: async () => ({ outcome: { ok: true, answer: recorded[v].coding!.answer }, usage: { calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 } }),
});

describe('contrast pair direction (recorded embedded-model answers)', () => {
  it(`scores the good ${SCENARIO} consultation at least ${CONTRAST_TARGETS.minDifference} higher than the poor one, with no more items favouring the poor one`, async () => {
    const rubric = await getRubric(RUBRIC);
    const pair = (await loadContrastPairs()).find((p) => p.scenario === SCENARIO)!;
    const analyses = {} as Record<Version, VerifiedAnalysis>;
    for (const v of VERSIONS) {
      version = v;
      const script = pair.scripts[v];
      analyses[v] = await runAnalysis({
        rubric,
        units: scriptUnits(script).units,
        llm: { baseURL: server.baseURL, apiKey: 'test', model: 'qwen2.5-coder-1.5b-instruct' },
        coder: replayCoder(v),
        participants: { clinician: script.participants[0].displayName, patient: script.participants[1].displayName },
      });
    }
    const cmp = comparePair(analyses.good, analyses.poor);
    expect(cmp.good.unscored).toEqual([]);
    expect(cmp.poor.unscored).toEqual([]);
    expect(cmp.difference!).toBeGreaterThanOrEqual(CONTRAST_TARGETS.minDifference);
    expect(cmp.favourPoor).toBeLessThanOrEqual(cmp.favourGood);
    // The poor version's recorded strengths all name behaviours their units were not coded with
    // ("used affirmations" citing advice): dropped, so no false praise reaches its report.
    expect(analyses.poor.narrative).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no strengths/) });
    // Every scored item rests on cited units of the right speaker, shown with their own words.
    for (const v of VERSIONS) {
      for (const s of analyses[v].sections) {
        if (s.status !== 'scored') continue;
        for (const item of s.items) expect(item.citations.length, `${v} ${item.itemId}`).toBeGreaterThan(0);
      }
    }
  });
});
