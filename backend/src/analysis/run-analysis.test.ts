import { afterEach, describe, expect, it } from 'vitest';
import { scoredItems } from '../../../app/rubric/analysis';
import { codeScore } from '../../../app/rubric/code-score';
import { splitIntoUnits } from '../../../app/transcript/units';
import { createLlmCoder } from '../coding/llm-coder';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer, type RecordedRequest } from '../testing/openai-test-server';
import { sampleRubric, sampleTranscript } from '../testing/sample-analysis-fixture';
import { kindOf, schemaOf, scriptedUnitAnswer, UNKNOWN_UNIT_ID } from '../testing/scripted-unit-answers';
import { codingBatches } from './analysis-steps';
import { SAMPLING } from './checked-call';
import type { CallRecord } from './llm-endpoint';
import { runAnalysis } from './run-analysis';

const rubric = sampleRubric();
const units = splitIntoUnits(sampleTranscript());
const clinicianIds = units.filter((u) => u.channel === 0).map((u) => u.id);
const patientIds = units.filter((u) => u.channel === 1).map((u) => u.id);

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(respond: (req: RecordedRequest) => unknown) {
  server = await startOpenAiTestServer({ respond: (req) => chatCompletion(respond(req), { promptTokens: 1000, completionTokens: 50 }) });
  const llm = { baseURL: server.baseURL, apiKey: 'k', model: 'remote-test' };
  const calls: CallRecord[] = [];
  const progress: number[] = [];
  const analysis = await runAnalysis({ rubric, units, llm, coder: createLlmCoder(llm, { batchSize: 12 }), onCall: (c) => calls.push(c), onProgress: (f) => progress.push(f), idempotencyKey: 'eval-1' });
  return { analysis, calls, progress, requests: server.requests };
}

describe('runAnalysis with unit ids', () => {
  it('constrains ids by schema, rejects and counts a remote model\'s wrong-speaker and unknown ids, and shares one prompt prefix', async () => {
    const { analysis, requests, progress } = await run((req) => scriptedUnitAnswer(req.body));
    const kinds = requests.map((r) => kindOf(r.body));
    // 29 clinician units in batches of at most 12: 3 coding calls, then one call per item (2 sections of 2) and the narrative.
    expect(kinds).toEqual(['coding', 'coding', 'coding', 'section', 'section', 'section', 'section', 'narrative']);
    // Each item call asks for exactly one item, in rubric order, under its own Idempotency-Key.
    const sectionCalls = requests.filter((r) => kindOf(r.body) === 'section');
    expect(sectionCalls.map((r) => Object.keys(schemaOf(r.body).schema.properties ?? {}))).toEqual(rubric.sections.flatMap((sec) => sec.items.map((i) => [i.id])));
    expect(sectionCalls.map((r) => r.headers['idempotency-key'])).toEqual(rubric.sections.flatMap((sec) => sec.items.map((i) => `eval-1:section:${sec.id}:${i.id}:try1`)));

    // The coding schemas' keys are exactly the clinician units, each asked once.
    const coded = requests.filter((r) => kindOf(r.body) === 'coding').flatMap((r) => Object.keys(schemaOf(r.body).schema.properties ?? {}));
    expect(coded).toEqual(clinicianIds);
    // A clinician item's evidence enum lists exactly the clinician units; an item the codes score
    // (its guide) lists only the units coded for or against it, and allows only the codes' score.
    const coding = analysis.coding;
    if (coding?.status !== 'coded') throw new Error('coding failed');
    const unitCodes = Object.fromEntries(coding.codes.map((c) => [c.unitId, c.code]));
    const byId = new Map(rubric.sections.flatMap((sec) => sec.items).map((i) => [i.id, i]));
    let guided = 0;
    for (const r of requests.filter((x) => kindOf(x.body) === 'section')) {
      for (const [id, item] of Object.entries(schemaOf(r.body).schema.properties ?? {})) {
        const fixed = codeScore(byId.get(id)!, unitCodes);
        const onSides = fixed ? [...fixed.showing, ...fixed.against] : [];
        const allowed = item.properties?.evidence?.items?.enum as string[];
        if (onSides.length === 0) expect(allowed).toEqual(clinicianIds);
        else {
          // The units to cite are chosen from the coded ones (unitsToCite), and the item cites exactly them.
          expect(allowed.length).toBeGreaterThan(0);
          expect(allowed.length).toBeLessThanOrEqual(3);
          for (const u of allowed) expect(onSides).toContain(u);
          expect(scoredItems(analysis).find((i) => i.itemId === id)?.citations.map((e) => e.id).sort()).toEqual([...allowed].sort());
        }
        if (fixed) {
          guided += 1;
          expect(item.properties?.score?.enum).toEqual([fixed.score]);
          expect(scoredItems(analysis).find((i) => i.itemId === id)).toMatchObject({ score: fixed.score, scoreBasis: { kind: 'codes', explanation: fixed.explanation } });
        }
      }
    }
    expect(guided).toBeGreaterThan(0);

    // Same system message and the same user-message prefix up to the task, for every call.
    const users = requests.map((r) => (r.body.messages as { role: string; content: string }[]).find((m) => m.role === 'user')!.content);
    const prefix = users[0]!.slice(0, users[0]!.indexOf('### Task'));
    expect(prefix.length).toBeGreaterThan(1000);
    for (const u of users) expect(u.startsWith(prefix)).toBe(true);
    expect(new Set(requests.map((r) => JSON.stringify(r.body.messages[0]))).size).toBe(1);

    expect(analysis.coding).toMatchObject({ status: 'coded', coder: { kind: 'llm', name: 'remote-test' }, uncoded: [] });
    const items = scoredItems(analysis);
    expect(items).toHaveLength(4);
    // The first item of each section cited a patient unit and an unknown id: both rejected, the clinician unit kept.
    const first = items.filter((i) => i.rejected.length > 0);
    expect(first).toHaveLength(2);
    for (const i of first) {
      expect(i.rejected).toEqual([{ unitId: patientIds[0], reason: 'wrong_speaker' }, { unitId: UNKNOWN_UNIT_ID, reason: 'unknown_unit' }]);
      expect(i.citations.every((c) => c.channel === 0)).toBe(true);
    }
    expect(analysis.stats.citations).toMatchObject({ wrongSpeaker: 2, unknownUnit: 2 });
    expect(analysis.stats).toMatchObject({ calls: 8, retries: 0, promptTokens: 8000, completionTokens: 400 });
    expect(analysis.narrative.status).toBe('written');
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('retries a degenerate narrative once with other sampling, and keeps the good second answer', async () => {
    let narratives = 0;
    const { analysis, requests, calls } = await run((req) => {
      if (kindOf(req.body) !== 'narrative') return scriptedUnitAnswer(req.body);
      narratives += 1;
      if (narratives === 1) return { summary: { text: 'two sentences two sentences open_question two sentences', evidence: ['u1'] }, strengths: Array.from({ length: 6 }, () => ({ text: 'one strength', evidence: ['u3'] })), suggestions: [{ text: 'one suggestion', evidence: ['u5'] }] };
      return scriptedUnitAnswer(req.body);
    });
    const tries = requests.filter((r) => kindOf(r.body) === 'narrative');
    expect(tries.map((r) => [r.body.temperature, r.body.seed])).toEqual(SAMPLING.map((s) => [s.temperature, s.seed]));
    expect(tries.map((r) => r.headers['idempotency-key'])).toEqual(['eval-1:narrative:try1', 'eval-1:narrative:try2']);
    expect(analysis.narrative).toMatchObject({ status: 'written', attempts: 2 });
    expect(analysis.stats).toMatchObject({ calls: 9, retries: 1 });
    expect(calls.find((c) => c.step === 'narrative' && c.attempt === 1)?.refused).toMatch(/two sentences/);
  });

  it('keeps the code scores and units of items whose explanations stay degenerate, says why, and drops the text', async () => {
    const loop = "I'm a partner in a partnership I'm a partner in a partnership I'm a partner in a partnership";
    const { analysis } = await run((req) => {
      const a = scriptedUnitAnswer(req.body) as Record<string, { rationale: string }>;
      if (schemaOf(req.body).name !== 'section_global_relational') return a;
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { ...v, rationale: loop }]));
    });
    const kept = analysis.sections.find((s) => s.sectionId === 'global_relational');
    // Every MI item is scored from the codes (decision 023): only the written reason was the model's.
    expect(kept).toMatchObject({ status: 'scored' });
    const coding = analysis.coding;
    if (coding?.status !== 'coded') throw new Error('coding failed');
    const unitCodes = Object.fromEntries(coding.codes.map((c) => [c.unitId, c.code]));
    const items = kept?.status === 'scored' ? kept.items : [];
    expect(items.length).toBe(2);
    for (const i of items) {
      const item = rubric.sections.flatMap((s) => s.items).find((x) => x.id === i.itemId)!;
      expect(i.score).toBe(codeScore(item, unitCodes)!.score);
      if (i.citations.length === 0) continue;
      expect(i.rationale).toMatch(/^Coded in the conversation: (showing it, [a-z ]+ ×\d+|against it).*set aside \(.*repeats itself.*again after a retry\)\.$/);
      expect(i.scoreBasis).toMatchObject({ kind: 'codes', reasonSetAside: true });
    }
    expect(JSON.stringify(analysis.sections)).not.toContain('a partnership I');
  });

  it('sets aside, without a retry, an explanation that only restates the rubric, and keeps the code score and units', async () => {
    // Like the embedded model's reason in the demo of 2026-12-03 ("Softening sustain talk"): the rubric in other words, true of any conversation.
    const restated = 'The clinician steadily avoided feeding the reasons for staying the same and kept steering towards a different future.';
    const { analysis, requests } = await run((req) => {
      const a = scriptedUnitAnswer(req.body) as Record<string, { rationale: string }>;
      if (schemaOf(req.body).name !== 'section_global_change') return a;
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { ...v, rationale: restated }]));
    });
    const section = analysis.sections.find((s) => s.sectionId === 'global_change');
    expect(section).toMatchObject({ status: 'scored' });
    const items = section?.status === 'scored' ? section.items.filter((i) => i.citations.length > 0) : [];
    expect(items.length).toBeGreaterThan(0);
    for (const i of items) {
      expect(i.rationale).toMatch(/^Coded in the conversation: .*set aside \(the rationale for ".*" does not mention anything said in the units it cites/);
      // The report must not also say the model wrote this reason.
      expect(i.scoreBasis?.reasonSetAside).toBe(true);
    }
    const kept = analysis.sections.flatMap((s) => (s.status === 'scored' ? s.items : [])).filter((i) => i.scoreBasis && !i.scoreBasis.notShown && !i.rationale.startsWith('Coded in'));
    for (const i of kept) expect(i.scoreBasis?.reasonSetAside).toBeUndefined();
    // One call per item: no retry at another temperature for a refusal the codes can stand in for.
    const change = requests.filter((r) => schemaOf(r.body).name === 'section_global_change');
    expect(change.every((r) => r.body.temperature === 0)).toBe(true);
    expect(JSON.stringify(analysis.sections)).not.toContain('pass without amplifying');
  });

  it('reads a remote model\'s bare codes too, and counts a code that is not in the code book', async () => {
    const { analysis } = await run((req) => {
      if (kindOf(req.body) !== 'coding') return scriptedUnitAnswer(req.body);
      const a = scriptedUnitAnswer(req.body) as Record<string, { code: string }>;
      const ids = Object.keys(a);
      return { ...Object.fromEntries(ids.map((id) => [id, a[id]!.code])), [ids[0]!]: 'lecture' };
    });
    // The first unit of each batch got the invented code: left uncoded, the rest coded.
    expect(analysis.coding).toMatchObject({ status: 'coded', uncoded: codingBatches(units, 12).map((b) => b[0]!.id) });
    if (analysis.coding?.status !== 'coded') throw new Error('not coded');
    expect(analysis.coding.codes).toHaveLength(clinicianIds.length - 3);
    expect(analysis.stats.codingRejected).toBe(3);
  });

  it('fails the coding when a batch answer is not JSON twice', async () => {
    const { analysis } = await run((req) => (kindOf(req.body) === 'coding' ? 'sorry, I cannot do that' : scriptedUnitAnswer(req.body)));
    expect(analysis.coding).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^coding of units u1–u\d+ failed: the answer did not follow the required format/) });
    expect(analysis.sections.every((s) => s.status === 'scored')).toBe(true);
  });
});
