import { z } from 'zod';
import { AppError } from '../../../../app/contracts/errors';
import { defaultLlmModelId } from '../../llm/llm-manifest';
import type { ModelRoute } from '../gateway-contracts';
import { ModelPrice } from '../price-table';

/**
 * The gateway's providers file (JSON): which upstreams exist and which public model names they
 * serve, in fallback order. Secrets never live in it: `apiKeyEnv` names the environment variable
 * that config.ts resolves, so the file can be committed and reviewed.
 */

const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"');

export const ProviderConfig = z
  .object({
    id: Id,
    kind: z.enum(['openai', 'azure-openai', 'anthropic', 'openai-compatible', 'local']),
    /**
     * openai: default https://api.openai.com/v1; openai-compatible: the base that ends before
     * /chat/completions (e.g. http://127.0.0.1:11434/v1); azure-openai: the resource endpoint
     * (https://<resource>.openai.azure.com); anthropic: default https://api.anthropic.com;
     * local: the embedded LLM server, filled in by the runtime when absent.
     */
    baseUrl: z.url().optional(),
    /** Data region the provider processes in (policy input), e.g. "eu", "us", "local". */
    region: z.string().min(1),
    /** Name of the environment variable holding the API key (resolved by config.ts, never here). */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
    azure: z
      .object({
        /** upstream model name → Azure deployment name. */
        deployments: z.record(z.string().min(1), z.string().min(1)),
        apiVersion: z.string().min(1),
      })
      .optional(),
    /** anthropic-version header. */
    anthropicVersion: z.string().default('2023-06-01'),
    /** Per attempt; a stream's limit applies until its first chunk. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Retries of one provider on retryable errors before falling back to the next target. */
    maxRetries: z.number().int().min(0).max(10).default(2),
  })
  .superRefine((p, ctx) => {
    if (p.kind === 'azure-openai' && !p.azure) ctx.addIssue({ code: 'custom', path: ['azure'], message: 'azure-openai needs azure.deployments and azure.apiVersion' });
    if ((p.kind === 'azure-openai' || p.kind === 'openai-compatible') && !p.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: `${p.kind} needs baseUrl` });
  });
export type ProviderConfig = z.infer<typeof ProviderConfig>;

export const ModelConfig = z.object({
  /** The gateway's public model name callers ask for. */
  model: z.string().min(1),
  kind: z.enum(['chat', 'stt']),
  /** In fallback order. */
  targets: z.array(z.object({ provider: Id, upstreamModel: z.string().min(1) })).min(1),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

export const ProvidersConfig = z
  .object({
    providers: z.array(ProviderConfig).min(1),
    models: z.array(ModelConfig).min(1),
    /**
     * Prices of this deployment's own upstreams (e.g. a self-hosted vLLM), keyed by provider id;
     * added to the versioned price table. A target without any price is never used: it could not be budgeted.
     */
    prices: z.array(ModelPrice).default([]),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.providers.forEach((p, i) => {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id ${p.id}` });
      ids.add(p.id);
    });
    const names = new Set<string>();
    c.models.forEach((m, i) => {
      if (names.has(m.model)) ctx.addIssue({ code: 'custom', path: ['models', i, 'model'], message: `duplicate model ${m.model}` });
      names.add(m.model);
      m.targets.forEach((t, j) => {
        const provider = c.providers.find((p) => p.id === t.provider);
        if (!provider) {
          ctx.addIssue({ code: 'custom', path: ['models', i, 'targets', j, 'provider'], message: `unknown provider ${t.provider}` });
        } else if (provider.kind === 'azure-openai' && !provider.azure?.deployments[t.upstreamModel]) {
          ctx.addIssue({ code: 'custom', path: ['models', i, 'targets', j, 'upstreamModel'], message: `provider ${t.provider} has no Azure deployment for ${t.upstreamModel}` });
        }
      });
    });
  });
export type ProvidersConfig = z.infer<typeof ProvidersConfig>;
export type ProvidersConfigInput = z.input<typeof ProvidersConfig>;

/** Validates a providers file's parsed JSON; the error names the first bad key. */
export function parseProvidersConfig(raw: unknown, source = 'providers config'): ProvidersConfig {
  const parsed = ProvidersConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('config.invalid', `${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, { details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } });
  }
  return parsed.data;
}

/** The embedded chat model's public name: the LLM manifest's default (resources/models/llm-manifest.json). */
export const LOCAL_CHAT_MODEL = defaultLlmModelId;
export const LOCAL_STT_MODEL = 'whisper-tiny.en';

/** The offline default: the embedded provider serves the local chat model (under its manifest id) and Whisper. */
export function defaultProvidersConfig(chatModel: string = LOCAL_CHAT_MODEL): ProvidersConfig {
  return parseProvidersConfig({
    providers: [{ id: 'local', kind: 'local', region: 'local', timeoutMs: 600_000, maxRetries: 1 }],
    models: [
      { model: chatModel, kind: 'chat', targets: [{ provider: 'local', upstreamModel: chatModel }] },
      { model: LOCAL_STT_MODEL, kind: 'stt', targets: [{ provider: 'local', upstreamModel: 'whisper.cpp' }] },
    ],
  });
}

/**
 * The embedded chat model the routes need, by its upstream name (a manifest id), or null when no
 * chat route reaches the local provider. One process loads one local model.
 */
export function localChatModel(config: ProvidersConfig): string | null {
  const local = new Set(config.providers.filter((p) => p.kind === 'local').map((p) => p.id));
  const names = [...new Set(config.models.filter((m) => m.kind === 'chat').flatMap((m) => m.targets.filter((t) => local.has(t.provider)).map((t) => t.upstreamModel)))];
  if (names.length > 1) throw new AppError('config.invalid', `the embedded LLM server loads one model, but local chat targets name ${names.join(', ')}`);
  return names[0] ?? null;
}

export function modelRoutes(config: ProvidersConfig): ModelRoute[] {
  return config.models.map((m) => ({ model: m.model, kind: m.kind, targets: m.targets.map((t) => ({ providerId: t.provider, upstreamModel: t.upstreamModel })) }));
}
