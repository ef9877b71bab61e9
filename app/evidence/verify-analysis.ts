import type { Channel, Transcript } from '../transcript/transcript';
import { rubricItems, type Rubric } from '../rubric/rubric';
import type { LegacyAnalysis, ModelAnalysis, ModelEvidence, RejectedQuote, VerifiedItem, VerifiedQuote } from './legacy-analysis';
import { verifyQuote, type VerifyQuoteOptions } from './verify-quote';

export interface VerifyAnalysisContext {
  /** The model that produced the analysis, as shown on the report. */
  model: string;
  /** Passed to every quote check (minWords, threshold). */
  quote?: Omit<VerifyQuoteOptions, 'speaker'>;
}

const CHANNEL_OF = { clinician: 0, patient: 1 } as const;

/**
 * Turns what the model said into what the report may show: every quote checked against the
 * transcript, nothing kept that the transcript does not support.
 *
 * - Items follow the rubric's order. An item the model skipped is present with score null and
 *   `verified: false` ("not assessed"); item ids the rubric does not know are ignored; when the
 *   model repeats an item, the first answer counts.
 * - A score that is not an integer inside the item's scale becomes null.
 * - `verified` is true only when at least one quote survived; the score stays, flagged unverified.
 */
export function verifyAnalysis(model: ModelAnalysis, rubric: Rubric, transcript: Transcript, ctx: VerifyAnalysisContext): LegacyAnalysis {
  const stats = { quotesCited: 0, quotesVerified: 0, quotesRejected: 0 };
  const check = (evidence: ModelEvidence[], speakerFor: (e: ModelEvidence) => Channel) => {
    const kept: VerifiedQuote[] = [];
    const rejected: RejectedQuote[] = [];
    for (const e of evidence) {
      stats.quotesCited++;
      const r = verifyQuote(e.quote, transcript, { ...ctx.quote, speaker: speakerFor(e) });
      if (r.verified) {
        stats.quotesVerified++;
        if (!kept.some((k) => overlaps(k, r.value))) kept.push(r.value);
      } else {
        stats.quotesRejected++;
        rejected.push({ quote: e.quote, reason: r.reason });
      }
    }
    kept.sort((a, b) => a.start - b.start || a.channel - b.channel);
    return { kept, rejected };
  };

  const items: VerifiedItem[] = rubricItems(rubric).map((item) => {
    const answer = model.items.find((a) => a.itemId === item.id);
    if (!answer) {
      return { itemId: item.id, title: item.title, score: null, scaleMin: item.scale.min, scaleMax: item.scale.max, rationale: '', evidence: [], rejected: [], verified: false };
    }
    const { kept, rejected } = check(answer.evidence, (e) => CHANNEL_OF[e.speaker]);
    const inScale = Number.isInteger(answer.score) && answer.score >= item.scale.min && answer.score <= item.scale.max;
    return {
      itemId: item.id,
      title: item.title,
      score: inScale ? answer.score : null,
      scaleMin: item.scale.min,
      scaleMax: item.scale.max,
      rationale: answer.rationale,
      evidence: kept,
      rejected,
      verified: kept.length > 0,
    };
  });

  return {
    rubricId: rubric.id,
    rubricVersion: rubric.version,
    model: ctx.model,
    items,
    summary: model.summary,
    strengths: model.strengths,
    suggestions: model.suggestions,
    stats,
  };
}

function overlaps(a: VerifiedQuote, b: VerifiedQuote): boolean {
  return a.channel === b.channel && a.start < b.end && b.start < a.end;
}
