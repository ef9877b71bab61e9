import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../../app/contracts/errors';
import { resourcesDir } from '../../paths';
import { defaultProvidersConfig, localChatModel, modelRoutes, parseProvidersConfig } from './provider-config';

const example = () => JSON.parse(readFileSync(path.join(resourcesDir, 'gateway', 'providers.example.json'), 'utf8')) as { providers: Array<Record<string, unknown>>; models: Array<Record<string, unknown>> };

function configError(raw: unknown): string {
  try {
    parseProvidersConfig(raw, 'providers.json');
  } catch (e) {
    if (isAppError(e) && e.code === 'config.invalid') return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('providers config', () => {
  it('accepts the example file with OpenAI → Azure fallback in order', () => {
    const routes = modelRoutes(parseProvidersConfig(example()));
    expect(routes.find((r) => r.model === 'gpt-4o-mini')?.targets).toEqual([
      { providerId: 'openai', upstreamModel: 'gpt-4o-mini' },
      { providerId: 'azure-openai', upstreamModel: 'gpt-4o-mini' },
    ]);
  });

  it('defaults to the embedded provider serving the manifest’s default chat model and whisper-tiny.en in region local', () => {
    const config = defaultProvidersConfig();
    expect(config.providers).toEqual([expect.objectContaining({ id: 'local', kind: 'local', region: 'local' })]);
    expect(modelRoutes(config).map((r) => [r.model, r.kind])).toEqual([
      ['qwen2.5-coder-1.5b-instruct', 'chat'],
      ['whisper-tiny.en', 'stt'],
    ]);
  });

  it('names the one embedded chat model the routes need, and refuses two', () => {
    expect(localChatModel(defaultProvidersConfig())).toBe('qwen2.5-coder-1.5b-instruct');
    expect(localChatModel(parseProvidersConfig(example()))).toBe('qwen2.5-coder-1.5b-instruct');
    const openaiOnly = parseProvidersConfig({ providers: [{ id: 'openai', kind: 'openai', region: 'us' }], models: [{ model: 'gpt-4o-mini', kind: 'chat', targets: [{ provider: 'openai', upstreamModel: 'gpt-4o-mini' }] }] });
    expect(localChatModel(openaiOnly)).toBeNull();
    const two = example();
    two.models.push({ model: 'small', kind: 'chat', targets: [{ provider: 'local', upstreamModel: 'qwen2.5-coder-0.5b-instruct' }] });
    expect(() => localChatModel(parseProvidersConfig(two))).toThrow(/loads one model/);
  });

  it('names the key of a target that points at an unknown provider', () => {
    const raw = example();
    raw.models.push({ model: 'x', kind: 'chat', targets: [{ provider: 'nope', upstreamModel: 'x' }] });
    expect(configError(raw)).toMatch(/^providers\.json: models\.\d+\.targets\.0\.provider: unknown provider nope/);
  });

  it('refuses an Azure target without a deployment for its model', () => {
    const raw = example();
    raw.models.push({ model: 'gpt-4o', kind: 'chat', targets: [{ provider: 'azure-openai', upstreamModel: 'gpt-4o' }] });
    expect(configError(raw)).toMatch(/no Azure deployment for gpt-4o/);
  });

  it('refuses an Azure provider without its azure block and duplicate provider ids', () => {
    const raw = example();
    delete raw.providers[2]!.azure;
    expect(configError(raw)).toMatch(/providers\.2\.azure/);
    const dup = example();
    dup.providers.push({ ...dup.providers[0] });
    expect(configError(dup)).toMatch(/duplicate provider id local/);
  });
});
