import { z } from 'zod';
import { lineText } from './text';

/** HTTP API contracts shared by the backend (validation, OpenAPI) and the clients (types). */
export const Id = z.string().uuid();
export const Role = z.enum(['clinician', 'supervisor', 'org_admin', 'auditor']);
export type Role = z.infer<typeof Role>;

export const ConsentInput = z.object({
  given: z.literal(true, { error: 'consent must be given (true)' }),
  method: z.enum(['in_app', 'verbal', 'written']).default('in_app'),
  textVersion: lineText().min(1).max(100).default('consent-v1'),
});

export const ParticipantInput = z.object({
  channel: z.union([z.literal(0), z.literal(1)]),
  displayName: lineText().trim().min(1).max(200),
  roleLabel: lineText().trim().min(1).max(100),
  consent: ConsentInput.optional(),
});

export const CreateSessionRequest = z.object({
  title: lineText().trim().min(1).max(300),
  rubricId: lineText().min(1).max(100),
  recordedAt: z.string().datetime().optional(),
  // minItems/maxItems: zod-to-openapi writes a tuple as prefixItems alone, which would allow [] in the OpenAPI document.
  participants: z.tuple([ParticipantInput, ParticipantInput]).refine((p) => p[0].channel === 0 && p[1].channel === 1, 'participants must be given for channel 0 then channel 1').meta({ minItems: 2, maxItems: 2 }),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const RecordConsentRequest = z.object({ channel: z.union([z.literal(0), z.literal(1)]), consent: ConsentInput });

export const SessionStatus = z.enum(['created', 'recording_uploaded', 'evaluating', 'completed', 'failed']);
export const EvaluationView = z.object({
  id: Id,
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  step: z.string(),
  progress: z.number().min(0).max(1),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type EvaluationView = z.infer<typeof EvaluationView>;

export const SessionView = z.object({
  id: Id,
  title: z.string(),
  rubricId: z.string(),
  status: SessionStatus,
  createdAt: z.string(),
  recordedAt: z.string().nullable(),
  participants: z.array(z.object({ channel: z.union([z.literal(0), z.literal(1)]), displayName: z.string(), roleLabel: z.string(), consented: z.boolean() })),
  recording: z.object({ sha256: z.string(), bytes: z.number(), durationSec: z.number(), container: z.string() }).nullable(),
  evaluation: EvaluationView.nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

export const StartEvaluationRequest = z.object({ rubricId: lineText().min(1).max(100).optional() });

/** Pushed over the WebSocket `/v1/events`. */
export const EvaluationEvent = z.object({
  type: z.literal('evaluation'),
  sessionId: Id,
  evaluationId: Id,
  status: EvaluationView.shape.status,
  step: z.string(),
  progress: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type EvaluationEvent = z.infer<typeof EvaluationEvent>;

/** RFC 9457 problem details with our stable code. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
});

/** tus Upload-Metadata keys the upload endpoint requires. */
export const UploadMetadata = z.object({
  sessionId: Id,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
  filename: lineText().max(255).optional(),
  filetype: lineText().max(100).optional(),
});
