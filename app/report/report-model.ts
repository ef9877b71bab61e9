import { z } from 'zod';
import { Transcript } from '../transcript/transcript';
import { ConversationMetrics } from '../metrics/metrics-model';
import { VerifiedAnalysis } from '../rubric/analysis';

export const ReportParticipant = z.object({
  channel: z.union([z.literal(0), z.literal(1)]),
  displayName: z.string(),
  /** e.g. "Clinician", "Patient", "Trainee", "Standardized patient". */
  roleLabel: z.string(),
});
export type ReportParticipant = z.infer<typeof ReportParticipant>;

/** Everything the PDF shows; the renderer draws this and nothing else. */
export const ReportModel = z.object({
  session: z.object({
    id: z.string(),
    title: z.string(),
    recordedAt: z.string(),
    durationSec: z.number(),
    orgName: z.string(),
  }),
  participants: z.tuple([ReportParticipant, ReportParticipant]),
  rubric: z.object({ id: z.string(), version: z.string(), title: z.string(), attribution: z.string() }),
  metrics: ConversationMetrics,
  analysis: VerifiedAnalysis,
  transcript: Transcript,
  /** Warnings the reader must see (e.g. echo bleed: "use a headset"; draft model used). */
  notices: z.array(z.string()).default([]),
  generatedAt: z.string(),
  engine: z.object({ stt: z.string(), llm: z.string() }),
});
export type ReportModel = z.infer<typeof ReportModel>;
