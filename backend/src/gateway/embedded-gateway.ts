import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { Log } from '../runtime/log';
import { startLocalLlmServer } from '../llm/local-llm-server';
import { createWhisperEngine } from '../../../speech/whisper-engine';
import type { SttEngine } from '../../../speech/stt-engine';
import { createBudgetLedger } from './budget-ledger';
import { createIdempotencyStore } from './idempotency-store';
import { loadPolicyEngine } from './policy/opa-policy';
import { loadAccessEngine } from '../access/access-policy';
import { ensurePolicyBundle } from './policy/policy-build';
import { createPriceTable, loadPriceTable } from './price-table';
import { localChatModel, parseProvidersConfig, type ProvidersConfig } from './providers/provider-config';
import { createProvider } from './providers/provider-factory';
import { createProviderRouter } from './providers/provider-router';
import { createGatewayServer } from './service/gateway-server';
import { defaultLlmModelPath, defaultSttModelPath } from '../runtime/model-paths';
import { readServerTls } from '../transport/tls-server';
import { createReadiness, databaseCheck, modelFilesCheck } from '../ops/readiness';
import { createOpsEndpoints } from '../ops/ops-endpoints';
import type { Metrics } from '../ops/metrics';
import { startTracing } from '../ops/tracing';

export interface RunningGateway {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:41234/v1. */
  baseURL: string;
  providers: ProvidersConfig;
  policyVersion: string;
  /** Model files its embedded providers load (readiness checks they exist). */
  modelFiles: string[];
  stop(): Promise<void>;
}

/**
 * Which upstreams serve which public model names: the providers file when given; otherwise the
 * chat model on FE_LLM_BASE_URL (a self-hosted OpenAI-compatible server, priced at 0) or the
 * embedded model, and speech-to-text on the embedded whisper.cpp.
 */
export function providersFromConfig(config: Config): ProvidersConfig {
  if (config.gatewayProvidersFile) {
    return parseProvidersConfig(JSON.parse(readFileSync(config.gatewayProvidersFile, 'utf8')), config.gatewayProvidersFile);
  }
  const local = { id: 'local', kind: 'local', region: 'local', timeoutMs: 600_000, maxRetries: 1 };
  const sttRoute = { model: config.sttModel, kind: 'stt', targets: [{ provider: 'local', upstreamModel: 'whisper.cpp' }] };
  if (config.llmBaseUrl) {
    return parseProvidersConfig({
      providers: [{ id: 'llm', kind: 'openai-compatible', baseUrl: config.llmBaseUrl, region: config.llmRegion, apiKeyEnv: 'FE_LLM_API_KEY', timeoutMs: 600_000 }, local],
      models: [{ model: config.llmModel, kind: 'chat', targets: [{ provider: 'llm', upstreamModel: config.llmModel }] }, sttRoute],
      prices: [{ provider: 'llm', model: config.llmModel, kind: 'chat', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0 }],
    });
  }
  return parseProvidersConfig({ providers: [local], models: [{ model: config.llmModel, kind: 'chat', targets: [{ provider: 'local', upstreamModel: config.llmModel }] }, sttRoute] });
}

/**
 * The AI governance gateway with everything behind it: the OPA policy bundle (built if stale),
 * the providers (the embedded LLM server gets a key only the gateway knows, so nothing can reach
 * the model around it), the price table, budgets, idempotency and audit on `db`.
 */
/** The model files the embedded providers of `providers` load: the GGUF of a local chat model, whisper.cpp's for local speech. */
export function embeddedModelFiles(config: Config, providers: ProvidersConfig): string[] {
  const local = new Set(providers.providers.filter((p) => p.kind === 'local').map((p) => p.id));
  const chat = localChatModel(providers);
  const stt = providers.models.some((m) => m.kind === 'stt' && m.targets.some((t) => local.has(t.provider)));
  return [...(chat ? [defaultLlmModelPath(config, chat)] : []), ...(stt ? [defaultSttModelPath(config)] : [])];
}

export async function startGateway(config: Config, db: Database, log: (component: string) => Log, opts: { metrics?: Metrics } = {}): Promise<RunningGateway> {
  const say = log('gateway');
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    // Shares the process's tracer provider when the runtime started one (gateway in-process).
    const tracing = await startTracing({ exporterUrl: config.otelExporterUrl, serviceName: config.otelServiceName ?? 'feedback-gateway' });
    stops.push(() => tracing.stop());
    const bundle = await ensurePolicyBundle({ dataDir: config.dataDir, outDir: config.derived.policyBundleDir, pathEnv: config.derived.pathEnv, onProgress: (m) => say(m) });
    const policy = await loadPolicyEngine({ bundleDir: bundle.bundleDir, ...(config.policyDataFile ? { dataPath: config.policyDataFile } : {}) });
    const access = await loadAccessEngine({ bundleDir: bundle.bundleDir });
    const providers = providersFromConfig(config);

    const localModel = localChatModel(providers);
    let chatBaseUrl = '';
    const localKey = randomBytes(24).toString('base64url');
    if (localModel) {
      say(`starting the embedded local LLM server (${localModel})…`);
      const llmLog = log('llm');
      const server = await startLocalLlmServer({
        modelPath: defaultLlmModelPath(config, localModel),
        modelId: localModel,
        contextSize: config.llmContextTokens,
        threads: config.llmThreads,
        apiKey: localKey,
        log: { info: (o: object, m?: string) => llmLog(m ?? 'llm', o as Record<string, unknown>), warn: (o: object, m?: string) => llmLog.warn(m ?? 'llm warning', o as Record<string, unknown>) },
      });
      stops.push(() => server.close());
      chatBaseUrl = server.baseURL;
      say(`local LLM server at ${server.baseURL} (reachable with the gateway's key only)`);
    }
    let engine: Promise<SttEngine> | undefined;
    stops.push(async () => engine && (await engine).close());
    const sttEngine = () => (engine ??= createWhisperEngine({ modelPath: defaultSttModelPath(config), threads: config.sttThreads }));

    const router = createProviderRouter({
      config: providers,
      providers: (cfg) =>
        createProvider(cfg, {
          ...optionalKey(cfg.apiKeyEnv === 'FE_LLM_API_KEY' ? config.llmApiKey : cfg.apiKeyEnv ? config.derived.providerKeys[cfg.apiKeyEnv] : undefined),
          local: { chatBaseUrl: chatBaseUrl || 'http://127.0.0.1:9/v1', apiKey: localKey, sttEngine },
        }),
      log: { info: (o, m) => say(m, o as Record<string, unknown>), warn: (o, m) => say.warn(m, o as Record<string, unknown>) },
    });
    stops.push(() => router.close());

    const base = loadPriceTable();
    const prices = providers.prices.length ? createPriceTable(`${base.version}+deployment`, [...base.models, ...providers.prices]) : base;
    const server = createGatewayServer({
      db,
      policy,
      access,
      router,
      prices,
      ledger: createBudgetLedger(db),
      idempotency: createIdempotencyStore(db),
      limits: { requestsPerMinutePerOrg: config.gatewayRatePerMinute, maxBodyBytes: config.gatewayMaxBodyBytes, maxAudioBytes: config.gatewayMaxAudioBytes },
      log: say,
      ops: createOpsEndpoints({ readiness: createReadiness({ database: databaseCheck(db), models: modelFilesCheck(embeddedModelFiles(config, providers)) }), registry: opts.metrics?.registry, public: config.opsEndpointsPublic }),
      metrics: opts.metrics,
      tls: readServerTls(config.gatewayTlsCertFile && config.gatewayTlsKeyFile ? { certFile: config.gatewayTlsCertFile, keyFile: config.gatewayTlsKeyFile } : undefined, { cert: 'FE_GATEWAY_TLS_CERT_FILE', key: 'FE_GATEWAY_TLS_KEY_FILE' }),
    });
    const baseURL = await server.listen(config.gatewayPort, config.gatewayHost);
    stops.push(() => server.close());
    say(`gateway at ${baseURL} (policy ${policy.version}, prices ${prices.version}; models: ${providers.models.map((m) => m.model).join(', ')})`);
    return { baseURL, providers, policyVersion: policy.version, modelFiles: embeddedModelFiles(config, providers), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

const optionalKey = (apiKey: string | undefined) => (apiKey ? { apiKey } : {});
