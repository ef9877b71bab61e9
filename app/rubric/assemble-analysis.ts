import { unitIndex, type TranscriptUnit } from '../transcript/units';
import { codeScore, isNotShown } from './code-score';
import type { AnalysisStats, CitedStatement, CitedUnit, CoderInfo, CodingResult, Narrative, RejectedCitation, ScoredItem, SectionResult, VerifiedAnalysis } from './analysis';
import { resolveCitations } from './citations';
import { computeIndicators, countCodes } from './indicators';
import { practicePoints } from './practice-points';
import type { CallOutcome, CodingAnswer, NarrativeAnswer, SectionAnswer, StatementAnswer } from './model-output';
import type { Rubric } from './rubric';

export interface AssembleInput {
  rubric: Rubric;
  units: readonly TranscriptUnit[];
  /** The LLM that scored and wrote (as the gateway reported it). */
  model: string;
  /** Null when the rubric has no code book. */
  coding: { coder: CoderInfo; outcome: CallOutcome<CodingAnswer> } | null;
  sections: { sectionId: string; attempts: number; outcome: CallOutcome<SectionAnswer> }[];
  narrative: { attempts: number; outcome: CallOutcome<NarrativeAnswer> };
  usage: Pick<AnalysisStats, 'calls' | 'retries' | 'promptTokens' | 'completionTokens'>;
}

/**
 * Turns the stored model answers into the verified analysis: every cited id checked against the
 * units (unknown or wrong-speaker ids rejected and counted), every clinician unit's code checked
 * against the code book, counts and indicators computed, scores checked against their scale.
 * Pure: the same answers always give the same analysis.
 */
export function assembleAnalysis(input: AssembleInput): VerifiedAnalysis {
  const { rubric, units } = input;
  const index = unitIndex(units);
  const tally = { cited: 0, accepted: 0, unknownUnit: 0, wrongSpeaker: 0 };
  const count = <T extends { citations: CitedUnit[]; rejected: RejectedCitation[] }>(r: T): T => {
    tally.cited += r.citations.length + r.rejected.length;
    tally.accepted += r.citations.length;
    for (const x of r.rejected) tally[x.reason === 'unknown_unit' ? 'unknownUnit' : 'wrongSpeaker'] += 1;
    return r;
  };

  let codingRejected = 0;
  let coding: CodingResult | null = null;
  if (rubric.coding && input.coding) {
    const book = rubric.coding;
    if (!input.coding.outcome.ok) coding = { status: 'failed', coder: input.coding.coder, reason: input.coding.outcome.reason };
    else {
      const answer = input.coding.outcome.answer;
      const known = new Set(book.codes.map((c) => c.id));
      const clinician = units.filter((u) => u.channel === 0);
      const asked = new Set(clinician.map((u) => u.id));
      for (const [unitId, code] of Object.entries(answer)) if (!asked.has(unitId) || !known.has(code)) codingRejected += 1;
      const codes = clinician.filter((u) => known.has(answer[u.id] ?? '')).map((u) => ({ unitId: u.id, code: answer[u.id]! }));
      const counts = countCodes(book, codes);
      const indicators = computeIndicators(book, counts);
      coding = {
        status: 'coded',
        coder: input.coding.coder,
        unitDefinition: book.unit,
        codes,
        uncoded: clinician.filter((u) => !known.has(answer[u.id] ?? '')).map((u) => u.id),
        counts,
        indicators,
        practice: practicePoints(book, indicators, units, Object.fromEntries(codes.map((c) => [c.unitId, c.code]))),
      };
    }
  }

  const unitCodes = coding?.status === 'coded' ? Object.fromEntries(coding.codes.map((c) => [c.unitId, c.code])) : undefined;
  const sections: SectionResult[] = rubric.sections.map((section) => {
    const got = input.sections.find((s) => s.sectionId === section.id);
    const failed = (reason: string, attempts: number): SectionResult => ({ status: 'failed', sectionId: section.id, title: section.title, items: section.items.map((i) => ({ itemId: i.id, title: i.title })), reason, attempts });
    if (!got) return failed('the model was not asked about this section', 1);
    if (!got.outcome.ok) return failed(got.outcome.reason, got.attempts);
    const answer = got.outcome.answer;
    const missing = section.items.filter((i) => !answer[i.id]);
    if (missing.length > 0) return failed(`the model gave no answer for ${missing.map((i) => `"${i.title}"`).join(', ')}`, got.attempts);
    const outOfScale = section.items.filter((i) => {
      const s = answer[i.id]!.score;
      return !Number.isInteger(s) || s < i.scale.min || s > i.scale.max;
    });
    if (outOfScale.length > 0) return failed(`the model gave a score outside the scale for ${outOfScale.map((i) => `"${i.title}"`).join(', ')}`, got.attempts);
    const items: ScoredItem[] = section.items.map((item) => {
      const a = answer[item.id]!;
      const { citations, rejected } = count(resolveCitations(a.evidence, index, item.focus));
      // The codes' score stands even if a remote model answered another value despite the schema.
      const fromCodes = codeScore(item, unitCodes);
      const score = fromCodes?.score ?? a.score;
      return {
        itemId: item.id,
        title: item.title,
        focus: item.focus,
        score,
        scaleMin: item.scale.min,
        scaleMax: item.scale.max,
        scoreLabel: item.scale.labels.find((l) => l.value === score)?.label ?? null,
        rationale: a.rationale.trim(),
        ...(fromCodes ? { scoreBasis: { kind: 'codes' as const, explanation: fromCodes.explanation, ...(isNotShown(fromCodes) ? { notShown: true } : {}), ...(a.reasonSetAside ? { reasonSetAside: true } : {}) } } : {}),
        citations,
        rejected,
      };
    });
    return { status: 'scored', sectionId: section.id, title: section.title, items, attempts: got.attempts };
  });

  const statement = (s: StatementAnswer): CitedStatement => ({ text: s.text.trim(), ...count(resolveCitations(s.evidence, index, 'both')) });
  const n = input.narrative;
  const narrative: Narrative = n.outcome.ok
    ? {
        status: 'written',
        summary: statement(n.outcome.answer.summary),
        strengths: n.outcome.answer.strengths.map(statement),
        suggestions: n.outcome.answer.suggestions.map(statement),
        ...(n.outcome.answer.leftOut?.length ? { leftOut: n.outcome.answer.leftOut.map((p) => ({ ...statement(p), why: p.why })) } : {}),
        attempts: n.attempts,
      }
    : { status: 'failed', reason: n.outcome.reason, attempts: n.attempts };

  return {
    schemaVersion: 2,
    rubricId: rubric.id,
    rubricVersion: rubric.version,
    model: input.model,
    units: units.map((u) => ({ ...u })),
    coding,
    sections,
    narrative,
    stats: { citations: tally, codingRejected, ...input.usage },
  };
}
