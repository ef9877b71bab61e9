import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupLlmModel } from '../../../scripts/setup/llm-model';
import { defaultDataDir } from '../paths';
import { engineThreads, LlamaEngine } from './llama-engine';

// The real default model (Qwen2.5-Coder 1.5B Instruct): only prompt formatting, no generation.
let engine: LlamaEngine;
beforeAll(async () => {
  const { modelPath } = await setupLlmModel({ dataDir: defaultDataDir });
  engine = (await LlamaEngine.load({ modelPath, contextSize: 512, threads: 64 })).engine;
});
afterAll(async () => {
  await engine?.close();
});

describe('LlamaEngine with the default model', () => {
  it('formats a conversation with the GGUF’s own ChatML template, default system line included', () => {
    expect(engine.chatWrapperName).toBe('JinjaTemplate');
    expect(engine.formatPrompt([{ type: 'user', text: 'Hello' }])).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(engine.formatPrompt([{ type: 'system', text: 'Rate the consultation.' }, { type: 'user', text: 'Transcript: …' }])).toBe(
      '<|im_start|>system\nRate the consultation.<|im_end|>\n<|im_start|>user\nTranscript: …<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('runs on no more threads than the machine has cores, whatever it was asked for', () => {
    expect(engine.threads).toBe(engineThreads(64));
    expect(engine.threads).toBeLessThanOrEqual(engineThreads(undefined));
  });
});

describe('engineThreads', () => {
  it('takes the requested count up to the number of cores, and all cores when none is asked', () => {
    expect(engineThreads(1, 2)).toBe(1);
    expect(engineThreads(2, 2)).toBe(2);
    expect(engineThreads(4, 2)).toBe(2);
    expect(engineThreads(undefined, 2)).toBe(2);
    expect(engineThreads(0, 2)).toBe(1);
  });
});
