import type { Provider } from '../gateway-contracts';
import { UpstreamError } from '../gateway-contracts';
import { createOpenAiWireProvider } from './openai-provider';

export interface AzureOpenAiProviderOptions {
  id: string;
  region: string;
  /** The resource endpoint, e.g. https://my-resource.openai.azure.com. */
  endpoint: string;
  apiKey: string;
  /** upstream model name → deployment name. */
  deployments: Record<string, string>;
  apiVersion: string;
}

/** Azure OpenAI: OpenAI's wire format, addressed by deployment, authenticated with `api-key`. */
export function createAzureOpenAiProvider(opts: AzureOpenAiProviderOptions): Provider {
  const base = opts.endpoint.replace(/\/+$/, '');
  const version = encodeURIComponent(opts.apiVersion);
  const deployment = (model: string): string => {
    const name = opts.deployments[model];
    // Not the caller's fault and no other Azure call will fix it: fall back (status null, not retryable).
    if (!name) throw new UpstreamError(`${opts.id}: no Azure deployment for model ${model}`, { status: null, retryable: false, providerId: opts.id });
    return encodeURIComponent(name);
  };
  return createOpenAiWireProvider(
    { id: opts.id, kind: 'azure-openai', region: opts.region },
    {
      chatUrl: (model) => `${base}/openai/deployments/${deployment(model)}/chat/completions?api-version=${version}`,
      transcriptionUrl: (model) => `${base}/openai/deployments/${deployment(model)}/audio/transcriptions?api-version=${version}`,
      headers: { 'api-key': opts.apiKey },
    },
  );
}
