import { randomUUID } from 'node:crypto';
import { assembleAnalysis, type AssembleInput } from '../../../app/rubric/assemble-analysis';
import type { CodeCount, VerifiedAnalysis } from '../../../app/rubric/analysis';
import { checkRubricScores } from '../../../app/rubric/degenerate-output';
import { codeScore } from '../../../app/rubric/code-score';
import { countCodes } from '../../../app/rubric/indicators';
import type { CallOutcome, CodingAnswer, SectionAnswer } from '../../../app/rubric/model-output';
import type { Rubric, RubricCoding } from '../../../app/rubric/rubric';
import type { TranscriptUnit } from '../../../app/transcript/units';
import type { UnitCoder } from '../coding/unit-coder';
import { scoreSection, writeNarrative } from './analysis-steps';
import { addUsage, NO_USAGE, type CallRecord, type LlmEndpoint } from './llm-endpoint';

export type AnalysisStepName = 'coding' | 'scoring' | 'narrative';

export interface RunAnalysisInput {
  rubric: Rubric;
  units: readonly TranscriptUnit[];
  /** Scores the sections and writes the narrative. */
  llm: LlmEndpoint;
  /** Codes the clinician units (the LLM coder or the trained classifier). */
  coder: UnitCoder;
  participants?: { clinician: string; patient: string };
  /** 0..1 over the whole analysis, with the step it is in. */
  onProgress?: (fraction: number, step: AnalysisStepName) => void;
  onCall?: (c: CallRecord) => void;
  /** Prefix of every call's Idempotency-Key; default a fresh one. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Share of the analysis time each step takes, measured on the embedded model (coding is the most calls). */
export const STEP_SHARE = { coding: 0.45, scoring: 0.35, narrative: 0.2 } as const;

/** Code counts of a coding answer (valid codes of clinician units only), for the scoring and narrative prompts. */
export function countsOfCoding(book: RubricCoding | undefined, units: readonly TranscriptUnit[], outcome: CallOutcome<CodingAnswer> | null | undefined): CodeCount[] | undefined {
  if (!book || !outcome?.ok) return undefined;
  const known = new Set(book.codes.map((c) => c.id));
  const codes = units.filter((u) => u.channel === 0 && known.has(outcome.answer[u.id] ?? '')).map((u) => ({ code: outcome.answer[u.id]! }));
  return countCodes(book, codes);
}

/** The valid code of each clinician unit of a coding answer (unit id → code id), for the items' code guides. */
export function unitCodesOfCoding(book: RubricCoding | undefined, units: readonly TranscriptUnit[], outcome: CallOutcome<CodingAnswer> | null | undefined): Record<string, string> | undefined {
  if (!book || !outcome?.ok) return undefined;
  const known = new Set(book.codes.map((c) => c.id));
  return Object.fromEntries(units.filter((u) => u.channel === 0 && known.has(outcome.answer[u.id] ?? '')).map((u) => [u.id, outcome.answer[u.id]!]));
}

/**
 * A whole rubric scored the same with the same citations or reasons is not feedback
 * (checkRubricScores): those sections are failed with the reason before assembly.
 */
export function failUniformSections(rubric: Rubric, sections: AssembleInput['sections'], unitCodes?: Readonly<Record<string, string>>): AssembleInput['sections'] {
  // Items the behaviour codes scored (decision 023) say nothing about whether the model rated items one by one.
  const scored = sections.flatMap((s) => {
    const section = rubric.sections.find((x) => x.id === s.sectionId);
    if (!section || !s.outcome.ok) return [];
    const byModel = { ...section, items: section.items.filter((i) => !codeScore(i, unitCodes)) };
    return [{ section: byModel, answer: s.outcome.answer }];
  });
  const bad = checkRubricScores(scored);
  if (!bad) return sections;
  return sections.map((s) => (s.outcome.ok ? { ...s, outcome: { ok: false as const, reason: bad.reason } } : s));
}

/** Scores of the scored sections' items, for the narrative prompt. */
export function itemScores(rubric: Rubric, sections: readonly { sectionId: string; outcome: CallOutcome<SectionAnswer> }[]): { title: string; score: number; scaleMax: number }[] {
  return rubric.sections.flatMap((section) => {
    const s = sections.find((x) => x.sectionId === section.id);
    if (!s?.outcome.ok) return [];
    const answer = s.outcome.answer;
    return section.items.filter((i) => answer[i.id]).map((i) => ({ title: i.title, score: answer[i.id]!.score, scaleMax: i.scale.max }));
  });
}

/**
 * The whole analysis of one transcript in one process: coding (by the given coder), one call per
 * rubric section, then the narrative, assembled into the verified analysis. The workflow runs the
 * same steps as separate activities; benchmarks call this.
 */
export async function runAnalysis(input: RunAnalysisInput): Promise<VerifiedAnalysis> {
  const { rubric, units, llm } = input;
  const key = input.idempotencyKey ?? randomUUID();
  const book = rubric.coding;
  const progress = (step: AnalysisStepName, f: number) => {
    const base = step === 'coding' ? 0 : step === 'scoring' ? STEP_SHARE.coding : STEP_SHARE.coding + STEP_SHARE.scoring;
    input.onProgress?.(Math.min(1, base + STEP_SHARE[step] * Math.max(0, Math.min(1, f))), step);
  };
  let usage = NO_USAGE;
  const common = { llm, units, book, idempotencyKey: key, onCall: input.onCall, signal: input.signal };

  let coding: AssembleInput['coding'] = null;
  if (book) {
    progress('coding', 0);
    const r = await input.coder.code({ units, book, onProgress: (f) => progress('coding', f), ...(input.signal ? { signal: input.signal } : {}) });
    usage = addUsage(usage, r.usage);
    coding = { coder: input.coder.info, outcome: r.outcome };
  }
  const counts = countsOfCoding(book, units, coding?.outcome);
  const unitCodes = unitCodesOfCoding(book, units, coding?.outcome);

  let sections: AssembleInput['sections'] = [];
  let model = llm.model;
  for (const [i, section] of rubric.sections.entries()) {
    progress('scoring', i / rubric.sections.length);
    const r = await scoreSection({ ...common, rubric, section, counts, unitCodes });
    usage = addUsage(usage, r.usage);
    model = r.model;
    sections.push({ sectionId: section.id, attempts: r.attempts, outcome: r.outcome });
  }
  sections = failUniformSections(rubric, sections, unitCodes);

  progress('narrative', 0);
  const n = await writeNarrative({ ...common, rubric, counts, unitCodes, scores: itemScores(rubric, sections), participants: input.participants });
  usage = addUsage(usage, n.usage);
  progress('narrative', 1);

  return assembleAnalysis({ rubric, units, model: n.usage.calls > 0 ? n.model : model, coding, sections, narrative: { attempts: n.attempts, outcome: n.outcome }, usage });
}
