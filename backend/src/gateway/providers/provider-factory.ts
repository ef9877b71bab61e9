import { AppError } from '../../../../app/contracts/errors';
import type { SttEngine } from '../../../../speech/stt-engine';
import type { Provider } from '../gateway-contracts';
import { createAnthropicProvider } from './anthropic-provider';
import { createAzureOpenAiProvider } from './azure-openai-provider';
import { createLocalProvider } from './local-provider';
import { createOpenAiProvider } from './openai-provider';
import type { ProviderConfig } from './provider-config';

export interface ProviderDeps {
  /** The key named by the provider's `apiKeyEnv`, resolved by config.ts. */
  apiKey?: string;
  /** For kind 'local': the embedded LLM server and the local Whisper engine. */
  local?: { chatBaseUrl: string; apiKey?: string; sttEngine?: () => Promise<SttEngine> };
}

/** Builds one provider from its config entry; pass it to createProviderRouter as the factory. */
export function createProvider(cfg: ProviderConfig, deps: ProviderDeps = {}): Provider {
  const needKey = (): string => {
    if (deps.apiKey) return deps.apiKey;
    throw new AppError('config.invalid', `provider ${cfg.id} (${cfg.kind}) needs an API key${cfg.apiKeyEnv ? ` in ${cfg.apiKeyEnv}` : ' (set apiKeyEnv)'}`);
  };
  switch (cfg.kind) {
    case 'openai':
      return createOpenAiProvider({ id: cfg.id, kind: 'openai', region: cfg.region, baseUrl: cfg.baseUrl ?? 'https://api.openai.com/v1', apiKey: needKey() });
    case 'openai-compatible':
      return createOpenAiProvider({ id: cfg.id, kind: 'openai-compatible', region: cfg.region, baseUrl: cfg.baseUrl!, ...(deps.apiKey ? { apiKey: deps.apiKey } : {}) });
    case 'azure-openai':
      return createAzureOpenAiProvider({ id: cfg.id, region: cfg.region, endpoint: cfg.baseUrl!, apiKey: needKey(), deployments: cfg.azure!.deployments, apiVersion: cfg.azure!.apiVersion });
    case 'anthropic':
      return createAnthropicProvider({ id: cfg.id, region: cfg.region, apiKey: needKey(), anthropicVersion: cfg.anthropicVersion, ...(cfg.baseUrl ? { baseUrl: cfg.baseUrl } : {}) });
    case 'local': {
      const chatBaseUrl = cfg.baseUrl ?? deps.local?.chatBaseUrl;
      if (!chatBaseUrl) throw new AppError('config.invalid', `provider ${cfg.id} (local) needs the embedded LLM server's URL`);
      const apiKey = deps.local?.apiKey ?? deps.apiKey;
      return createLocalProvider({ id: cfg.id, region: cfg.region, chatBaseUrl, ...(apiKey ? { apiKey } : {}), ...(deps.local?.sttEngine ? { sttEngine: deps.local.sttEngine } : {}) });
    }
  }
}
