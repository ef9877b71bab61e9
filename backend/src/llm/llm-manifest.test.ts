import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { loadPriceTable } from '../gateway/price-table';
import { defaultProvidersConfig, LOCAL_CHAT_MODEL } from '../gateway/providers/provider-config';
import { resourcesDir } from '../paths';
import { defaultLlmModelPath } from '../runtime/model-paths';
import { embeddedLlmModel, llmManifestPath, readLlmManifest } from './llm-manifest';

describe('the LLM manifest', () => {
  const manifest = readLlmManifest();

  it('pins every wheel, every chunk and the joined file of each candidate and defaults to an instruction-tuned model', () => {
    expect(manifest.models.map((m) => m.id)).toEqual(['qwen2.5-coder-1.5b-instruct', 'qwen2.5-coder-0.5b-instruct', 'gemma-3-270m']);
    expect(manifest.models.find((m) => m.id === manifest.default)?.instructionTuned).toBe(true);
    for (const m of manifest.models) {
      const chunks = m.sources.filter((s) => s.member);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.every((s) => /^[0-9a-f]{64}$/.test(s.memberSha256!) && /^[0-9a-f]{64}$/.test(s.sha256))).toBe(true);
      expect(chunks.reduce((n, s) => n + s.memberBytes!, 0)).toBe(m.bytes);
    }
  });

  it('states the upstream licence of the Qwen models and that the packages’ origin is unverified', () => {
    for (const m of manifest.models.filter((x) => x.id.startsWith('qwen'))) {
      expect(m.license.spdx).toBe('Apache-2.0');
      expect(m.license.name).toMatch(/upstream/);
      expect(String(m.origin.note)).toMatch(/have not verified/);
      expect(m.notice).toMatch(/provenance is not verified/);
    }
  });

  it('is what names the embedded chat model: config default, gateway route and model file follow it', () => {
    const config = loadConfig({});
    expect(config.llmModel).toBe(manifest.default);
    expect(LOCAL_CHAT_MODEL).toBe(manifest.default);
    expect(defaultProvidersConfig().models[0]).toMatchObject({ model: manifest.default, targets: [{ provider: 'local', upstreamModel: manifest.default }] });
    expect(defaultLlmModelPath(config)).toBe(path.join(config.derived.modelsDir, 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf'));
    expect(defaultLlmModelPath(loadConfig({ FE_LLM_MODEL: 'gemma-3-270m' }))).toBe(path.join(config.derived.modelsDir, 'gemma-3-270m-q4_k_m.gguf'));
    expect(defaultLlmModelPath(loadConfig({ FE_LLM_MODEL: 'my-model', FE_LLM_MODEL_PATH: '/m/x.gguf' }))).toBe('/m/x.gguf');
  });

  it('refuses an embedded model it does not list with config.invalid naming the candidates', () => {
    expect(() => defaultLlmModelPath(loadConfig({ FE_LLM_MODEL: 'gpt-4o-mini' }))).toThrow(expect.objectContaining({ code: 'config.invalid', message: expect.stringContaining('qwen2.5-coder-1.5b-instruct, qwen2.5-coder-0.5b-instruct, gemma-3-270m') }));
    expect(() => embeddedLlmModel('x')).toThrow(/FE_LLM_MODEL=x/);
  });

  it('lists only models the default policy allows for rubric analysis and the newest price table prices as free local calls', () => {
    const policy = JSON.parse(readFileSync(path.join(resourcesDir, 'policies', 'data.json'), 'utf8')) as { gateway_policy: { purposes: { rubric_analysis: { models: string[] } } } };
    const prices = loadPriceTable();
    for (const m of manifest.models) {
      expect(policy.gateway_policy.purposes.rubric_analysis.models).toContain(m.id);
      expect(prices.estimateCost({ model: m.id, provider: 'local', promptTokens: 10_000, maxTokens: 1000 })).toBe(0);
    }
  });

  it('rejects a manifest whose chunks do not add up to the model', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'llm-manifest-'));
    try {
      const raw = JSON.parse(readFileSync(llmManifestPath, 'utf8')) as { models: Array<{ bytes: number }> };
      raw.models[0]!.bytes += 1;
      writeFileSync(path.join(dir, 'm.json'), JSON.stringify(raw));
      expect(() => readLlmManifest(path.join(dir, 'm.json'))).toThrow(expect.objectContaining({ code: 'config.invalid', message: expect.stringContaining('chunks add up to') }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
