import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../app/contracts/errors';
import { resourcesDir } from '../paths';

/** Prices are integer micro-USD so no float ever touches money. */
const Micros = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const ChatPrice = z.object({ provider: z.string().min(1), model: z.string().min(1), kind: z.literal('chat'), inputMicrosPerMTok: Micros, outputMicrosPerMTok: Micros });
const SttPrice = z.object({ provider: z.string().min(1), model: z.string().min(1), kind: z.literal('stt'), microsPerMinute: Micros });
export const ModelPrice = z.discriminatedUnion('kind', [ChatPrice, SttPrice]);
export type ModelPrice = z.infer<typeof ModelPrice>;

const PriceTableFile = z.object({
  version: z.string().regex(/^\d{4}-\d{2}$/),
  currency: z.literal('USD'),
  note: z.string().optional(),
  models: z.array(ModelPrice).min(1),
});

export interface ChatEstimateInput {
  model: string;
  /** Needed only when the same model name is priced differently by two providers. */
  provider?: string;
  promptTokens: number;
  /** The request's max_tokens: the most output the provider may bill. */
  maxTokens: number;
}

export interface SttEstimateInput {
  model: string;
  provider?: string;
  audioSec: number;
}

export interface PriceTable {
  readonly version: string;
  readonly models: readonly ModelPrice[];
  /** Worst-case cost of a chat call in micro-USD (rounded up): prompt at input price + maxTokens at output price. */
  estimateCost(input: ChatEstimateInput): number;
  /** Cost of transcribing audioSec seconds, in micro-USD (rounded up to the next millisecond and micro-dollar). */
  estimateSttCost(input: SttEstimateInput): number;
}

export const defaultPricingDir = path.join(resourcesDir, 'pricing');

/** The versions present in dir, oldest first (file names price-table-YYYY-MM.json). */
export function listPriceTableVersions(dir = defaultPricingDir): string[] {
  return readdirSync(dir)
    .map((f) => /^price-table-(\d{4}-\d{2})\.json$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort();
}

/** Load one version (default: the newest in dir) and validate it. */
export function loadPriceTable(version?: string, dir = defaultPricingDir): PriceTable {
  const chosen = version ?? listPriceTableVersions(dir).at(-1);
  if (!chosen) throw new AppError('config.invalid', `No price table in ${dir}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path.join(dir, `price-table-${chosen}.json`), 'utf8'));
  } catch (cause) {
    throw new AppError('config.invalid', `Price table ${chosen} cannot be read from ${dir}`, { cause });
  }
  const parsed = PriceTableFile.safeParse(raw);
  if (!parsed.success) throw new AppError('config.invalid', `Price table ${chosen} is invalid: ${parsed.error.message}`);
  if (parsed.data.version !== chosen) throw new AppError('config.invalid', `Price table file ${chosen} says it is version ${parsed.data.version}`);
  return createPriceTable(parsed.data.version, parsed.data.models);
}

export function createPriceTable(version: string, models: readonly ModelPrice[]): PriceTable {
  const seen = new Set<string>();
  for (const m of models) {
    const k = `${m.provider}/${m.model}`;
    if (seen.has(k)) throw new AppError('config.invalid', `Price table ${version} prices ${k} twice`);
    seen.add(k);
  }

  function find<K extends ModelPrice['kind']>(kind: K, model: string, provider: string | undefined): Extract<ModelPrice, { kind: K }> {
    const matches = models.filter((m): m is Extract<ModelPrice, { kind: K }> => m.kind === kind && m.model === model && (provider === undefined || m.provider === provider));
    const distinct = new Set(matches.map((m) => JSON.stringify({ ...m, provider: '' })));
    if (matches.length === 0) throw new AppError('request.invalid', `Model ${provider ? `${provider}/` : ''}${model} has no ${kind} price in price table ${version}`, { details: { model, provider, kind, priceTable: version } });
    if (distinct.size > 1) throw new AppError('request.invalid', `Model ${model} is priced differently by several providers in price table ${version}: name the provider`, { details: { model, providers: matches.map((m) => m.provider) } });
    return matches[0]!;
  }

  return {
    version,
    models,
    estimateCost({ model, provider, promptTokens, maxTokens }) {
      const p = find('chat', model, provider);
      const prompt = count('promptTokens', promptTokens);
      const output = count('maxTokens', maxTokens);
      return toMicros(ceilDiv(prompt * BigInt(p.inputMicrosPerMTok) + output * BigInt(p.outputMicrosPerMTok), 1_000_000n));
    },
    estimateSttCost({ model, provider, audioSec }) {
      const p = find('stt', model, provider);
      if (!Number.isFinite(audioSec) || audioSec < 0) throw new AppError('request.invalid', `audioSec must be a non-negative number, got ${audioSec}`);
      const ms = BigInt(Math.ceil(audioSec * 1000));
      return toMicros(ceilDiv(ms * BigInt(p.microsPerMinute), 60_000n));
    },
  };
}

function count(name: string, n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new AppError('request.invalid', `${name} must be a non-negative integer, got ${n}`);
  return BigInt(n);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function toMicros(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new AppError('request.invalid', 'Estimated cost is out of range');
  return Number(v);
}
