import path from 'node:path';
import type { Config } from '../config';

/** The model files `npm run setup` makes, unless configured elsewhere. */
export const defaultSttModelPath = (config: Config) => config.sttModelPath ?? path.join(config.derived.modelsDir, 'ggml-tiny.en.bin');
export const defaultLlmModelPath = (config: Config) => config.llmModelPath ?? path.join(config.derived.modelsDir, 'gemma-3-270m-q4_k_m.gguf');
