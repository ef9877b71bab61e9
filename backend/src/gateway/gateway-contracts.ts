/**
 * The seams of the AI governance gateway (DESIGN.md, "AI governance gateway"). Each part is built
 * and tested on its own and meets the others only through these types:
 *
 *   caller ──HTTP (OpenAI-compatible)──▶ gateway service
 *     authenticate (per-org service credential) → policy (OPA) → rate limit → budget reserve
 *     → redact → provider router (fallbacks, retries, breaker) → settle → audit → restore
 *
 * Caller headers: `Authorization: Bearer <service credential>`, `X-FE-Purpose`, `X-FE-Session`
 * (uuid, optional), `X-FE-User` (uuid, optional), `Idempotency-Key` (optional).
 */
import type { Kind } from '../../../app/redaction/kinds';

export type ProviderKind = 'openai' | 'azure-openai' | 'anthropic' | 'openai-compatible' | 'local';
export type CallKind = 'chat' | 'stt';

// ───────────────────────────── policy (OPA) ─────────────────────────────

/** What the gateway asks OPA for each candidate provider of a call (`input` of the Rego policy). */
export interface PolicyInput {
  orgId: string;
  /** The role the call is made for: a member role, or 'service' for a workload credential. */
  role: 'clinician' | 'supervisor' | 'org_admin' | 'auditor' | 'service';
  purpose: string;
  kind: CallKind;
  /** The model name the caller asked for (the gateway's public name, e.g. "qwen2.5-coder-1.5b-instruct"). */
  model: string;
  provider: { id: string; kind: ProviderKind; region: string };
  /** max_tokens (chat) as asked, or null when the caller left it to the default. */
  maxTokens: number | null;
  /** Whether the text of this call will be redacted before it leaves (the gateway always can). */
  redactionAvailable: boolean;
}

export interface PolicyDecision {
  allow: boolean;
  /** Human-readable reasons for a denial (empty when allowed), e.g. "model gpt-4o is not allowed for purpose rubric_analysis". */
  reasons: string[];
  /** PHI/PII must be replaced by placeholders before the text leaves. */
  redact: boolean;
  /** Kinds whose placeholders may be put back in the answer (e.g. ['PERSON']); [] = none. */
  restoreKinds: Kind[];
  /** The largest max_tokens allowed; the gateway clamps or refuses above it. */
  maxTokens: number;
  /** Version of the policy bundle that decided (logged in the audit trail). */
  version: string;
}

/** Per-org overrides of the policy data (data.json defaults), stored by the admin API. */
export type OrgPolicySettings = Record<string, unknown>;

export interface PolicyEngine {
  readonly version: string;
  decide(input: PolicyInput, orgSettings?: OrgPolicySettings): PolicyDecision;
}

// ───────────────────────────── providers ─────────────────────────────

/** An OpenAI chat-completions request body after redaction; `model` is the upstream model id. */
export type ChatBody = Record<string, unknown> & { model: string; messages: unknown[]; max_tokens?: number; stream?: boolean };

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A non-streaming answer, always in OpenAI's chat.completion shape whatever the provider spoke. */
export interface ChatAnswer {
  body: Record<string, unknown> & { choices: unknown[] };
  usage: TokenUsage;
}

/** One OpenAI `chat.completion.chunk` object; the last one carries usage when the provider reports it. */
export type ChatChunk = Record<string, unknown> & { choices: unknown[]; usage?: { prompt_tokens: number; completion_tokens: number } | null };

export interface TranscriptionRequest {
  audio: Uint8Array;
  filename: string;
  mimeType: string;
  /** Upstream model id. */
  model: string;
  language?: string;
  prompt?: string;
  /** Always asked as verbose_json with word timestamps from the upstream; the gateway shapes the reply. */
  wordTimestamps: boolean;
}

/** OpenAI's verbose_json transcription shape. */
export interface TranscriptionAnswer {
  body: { text: string; language?: string; duration: number; words?: Array<{ word: string; start: number; end: number }>; segments?: unknown[] };
  /** Billed audio duration, seconds. */
  audioSec: number;
}

/** One configured upstream. Implementations throw UpstreamError for anything that is not a success. */
export interface Provider {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly region: string;
  chat(body: ChatBody, signal: AbortSignal): Promise<ChatAnswer>;
  chatStream(body: ChatBody, signal: AbortSignal): AsyncIterable<ChatChunk>;
  transcribe(req: TranscriptionRequest, signal: AbortSignal): Promise<TranscriptionAnswer>;
  close?(): Promise<void>;
}

/** What went wrong upstream; `retryable` drives backoff, the breaker and fallbacks. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly opts: { status: number | null; retryable: boolean; retryAfterMs?: number; providerId: string; body?: string },
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** A public model name and the providers that serve it, in fallback order. */
export interface ModelRoute {
  model: string;
  kind: CallKind;
  targets: Array<{ providerId: string; upstreamModel: string }>;
}

/** Picks providers for a model, applies timeouts, retries with backoff and a breaker per provider. */
export interface ProviderRouter {
  routes(): ModelRoute[];
  route(model: string): ModelRoute | undefined;
  provider(id: string): Provider;
  /**
   * Tries `targets` in order (each already allowed by policy), with retries and the breaker; the
   * first success wins. Throws AppError 'upstream.unavailable' / 'upstream.timeout' when all fail.
   */
  run<T>(targets: ModelRoute['targets'], call: (p: Provider, upstreamModel: string, signal: AbortSignal) => Promise<T>): Promise<{ value: T; providerId: string; upstreamModel: string; attempts: number }>;
}
