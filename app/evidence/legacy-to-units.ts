import type { VerifiedAnalysis } from '../rubric/analysis';
import { assembleAnalysis } from '../rubric/assemble-analysis';
import type { SectionAnswer } from '../rubric/model-output';
import type { Rubric } from '../rubric/rubric';
import type { TranscriptUnit } from '../transcript/units';
import type { LegacyAnalysis, VerifiedQuote } from './legacy-analysis';

/**
 * Bridge while the unit-citation pipeline (docs/decisions/011) replaces quote verification: each
 * verified quote becomes the units of its speaker it overlaps in time, so the report and the API
 * already work on VerifiedAnalysis v2. Behaviour coding is not done by this path.
 */
export function legacyToVerified(legacy: LegacyAnalysis, rubric: Rubric, units: readonly TranscriptUnit[], usage: { calls: number; promptTokens: number; completionTokens: number }): VerifiedAnalysis {
  const overlapping = (q: VerifiedQuote) => units.filter((u) => u.channel === q.channel && u.start < q.end && q.start < u.end).map((u) => u.id);
  const sections = rubric.sections.map((s) => {
    const answer: SectionAnswer = {};
    for (const item of s.items) {
      const got = legacy.items.find((i) => i.itemId === item.id);
      if (got && got.score !== null) answer[item.id] = { evidence: got.evidence.flatMap(overlapping), rationale: got.rationale, score: got.score };
    }
    return { sectionId: s.id, attempts: 1, outcome: { ok: true as const, answer } };
  });
  return assembleAnalysis({
    rubric,
    units,
    model: legacy.model,
    coding: rubric.coding ? { coder: { kind: 'llm', name: legacy.model }, outcome: { ok: false, reason: 'utterance coding is not part of this analysis path yet' } } : null,
    sections,
    narrative: {
      attempts: 1,
      outcome: { ok: true, answer: { summary: { text: legacy.summary, evidence: [] }, strengths: legacy.strengths.map((text) => ({ text, evidence: [] })), suggestions: legacy.suggestions.map((text) => ({ text, evidence: [] })) } },
    },
    usage: { ...usage, retries: 0 },
  });
}
