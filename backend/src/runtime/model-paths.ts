import path from 'node:path';
import type { Config } from '../config';
import { embeddedLlmModel } from '../llm/llm-manifest';

/** The model files `npm run setup` makes, unless configured elsewhere. */
export const defaultSttModelPath = (config: Config) => config.sttModelPath ?? path.join(config.derived.modelsDir, 'ggml-tiny.en.bin');
/** FE_LLM_MODEL_PATH, else the file set-up assembles for an embedded model of the LLM manifest (by id). */
export const defaultLlmModelPath = (config: Config, modelId: string = config.llmModel) => config.llmModelPath ?? path.join(config.derived.modelsDir, embeddedLlmModel(modelId).file);
