import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { embeddedLlmModel } from '../llm/llm-manifest';
import { resourcesDir } from '../paths';

/** The ggml file set-up makes for a Whisper model id of resources/models/manifest.json, if it is one. */
export function whisperModelFile(modelId: string): string | undefined {
  const manifest = JSON.parse(readFileSync(path.join(resourcesDir, 'models', 'manifest.json'), 'utf8')) as Record<string, { output?: { file?: unknown } } | undefined>;
  const file = manifest[modelId]?.output?.file;
  return typeof file === 'string' ? file : undefined;
}

/** The model files `npm run setup` makes, unless configured elsewhere. */
export const defaultSttModelPath = (config: Config) => config.sttModelPath ?? path.join(config.derived.modelsDir, whisperModelFile(config.sttModel) ?? 'ggml-tiny.en.bin');
/** FE_LLM_MODEL_PATH, else the file set-up assembles for an embedded model of the LLM manifest (by id). */
export const defaultLlmModelPath = (config: Config, modelId: string = config.llmModel) => config.llmModelPath ?? path.join(config.derived.modelsDir, embeddedLlmModel(modelId).file);
