import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPriceTable, listPriceTableVersions, loadPriceTable } from './price-table';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'fe-prices-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('price table', () => {
  it('loads the newest shipped version by default and every entry validates', () => {
    const versions = listPriceTableVersions();
    expect(versions).toContain('2026-11');
    const table = loadPriceTable();
    expect(table.version).toBe(versions.at(-1));
    expect(loadPriceTable('2026-11').models.length).toBeGreaterThan(5);
  });

  it('prices a chat call as prompt at the input price plus max_tokens at the output price, in integer micro-dollars', () => {
    const table = loadPriceTable('2026-11');
    // gpt-4o-mini: $0.15 / $0.60 per 1M tokens.
    expect(table.estimateCost({ model: 'gpt-4o-mini', provider: 'openai', promptTokens: 1_000_000, maxTokens: 0 })).toBe(150_000);
    expect(table.estimateCost({ model: 'gpt-4o-mini', provider: 'openai', promptTokens: 1000, maxTokens: 500 })).toBe(150 + 300);
    // claude-sonnet-4: $3 / $15.
    expect(table.estimateCost({ model: 'claude-sonnet-4', promptTokens: 2000, maxTokens: 1000 })).toBe(6000 + 15000);
  });

  it('rounds a fraction of a micro-dollar up, so a reservation is never below the bill', () => {
    const table = createPriceTable('2099-01', [{ provider: 'p', model: 'm', kind: 'chat', inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 }]);
    expect(table.estimateCost({ model: 'm', promptTokens: 1, maxTokens: 0 })).toBe(1);
    expect(table.estimateCost({ model: 'm', promptTokens: 7, maxTokens: 3 })).toBe(Math.ceil((7 * 150_000 + 3 * 600_000) / 1e6));
    const result = table.estimateCost({ model: 'm', promptTokens: 123_457, maxTokens: 4_096 });
    expect(Number.isInteger(result)).toBe(true);
    expect(result).toBe(Math.ceil((123_457 * 150_000 + 4_096 * 600_000) / 1e6));
  });

  it('prices speech-to-text by audio duration', () => {
    const table = loadPriceTable('2026-11');
    // whisper-1: $0.006 per minute.
    expect(table.estimateSttCost({ model: 'whisper-1', audioSec: 60 })).toBe(6000);
    expect(table.estimateSttCost({ model: 'whisper-1', audioSec: 600 })).toBe(60_000);
    expect(table.estimateSttCost({ model: 'whisper-1', audioSec: 0.5 })).toBe(50);
    expect(table.estimateSttCost({ model: 'whisper-1', audioSec: 0.001 })).toBe(1);
    expect(table.estimateSttCost({ model: 'whisper.cpp', audioSec: 3600 })).toBe(0);
  });

  it('refuses an unknown model, a chat model priced as audio, and negative or fractional counts', () => {
    const table = loadPriceTable('2026-11');
    expect(() => table.estimateCost({ model: 'no-such-model', promptTokens: 1, maxTokens: 1 })).toThrow(/has no chat price/);
    expect(() => table.estimateSttCost({ model: 'gpt-4o', audioSec: 1 })).toThrow(/has no stt price/);
    expect(() => table.estimateCost({ model: 'gpt-4o', provider: 'openai', promptTokens: -1, maxTokens: 1 })).toThrow(/non-negative integer/);
    expect(() => table.estimateCost({ model: 'gpt-4o', provider: 'openai', promptTokens: 1.5, maxTokens: 1 })).toThrow(/non-negative integer/);
  });

  it('asks for the provider when one model name has two different prices', () => {
    const table = createPriceTable('2099-01', [
      { provider: 'a', model: 'm', kind: 'chat', inputMicrosPerMTok: 1, outputMicrosPerMTok: 1 },
      { provider: 'b', model: 'm', kind: 'chat', inputMicrosPerMTok: 2, outputMicrosPerMTok: 2 },
    ]);
    expect(() => table.estimateCost({ model: 'm', promptTokens: 1_000_000, maxTokens: 0 })).toThrow(/name the provider/);
    expect(table.estimateCost({ model: 'm', provider: 'b', promptTokens: 1_000_000, maxTokens: 0 })).toBe(2);
  });

  it('rejects a file with float prices or a version that does not match its name', () => {
    writeFileSync(path.join(scratch, 'price-table-2030-01.json'), JSON.stringify({ version: '2030-01', currency: 'USD', models: [{ provider: 'p', model: 'm', kind: 'chat', inputMicrosPerMTok: 0.5, outputMicrosPerMTok: 1 }] }));
    expect(() => loadPriceTable('2030-01', scratch)).toThrow(/is invalid/);
    writeFileSync(path.join(scratch, 'price-table-2030-02.json'), JSON.stringify({ version: '2030-03', currency: 'USD', models: [{ provider: 'p', model: 'm', kind: 'stt', microsPerMinute: 1 }] }));
    expect(() => loadPriceTable('2030-02', scratch)).toThrow(/says it is version 2030-03/);
    expect(() => loadPriceTable('1999-01', scratch)).toThrow(/cannot be read/);
  });
});
