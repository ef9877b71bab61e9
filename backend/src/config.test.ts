import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('config', () => {
  it('applies documented defaults and derives embedded mode', () => {
    const c = loadConfig({});
    expect(c.apiPort).toBe(8787);
    expect(c.derived.embedded).toEqual({ postgres: true, temporal: true, llm: true });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('switches off embedded services when their URLs are given', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/x', TEMPORAL_ADDRESS: 'temporal:7233', FE_LLM_BASE_URL: 'http://llm:8000/v1' });
    expect(c.derived.embedded).toEqual({ postgres: false, temporal: false, llm: false });
  });

  it('fails fast naming an invalid key', () => {
    expect(() => loadConfig({ FE_API_PORT: 'eighty' })).toThrow(/FE_API_PORT/);
  });

  it('codes utterances with the trained classifier by default, the LLM when asked, and refuses other coders', () => {
    expect(loadConfig({}).coder).toBe('classifier');
    expect(loadConfig({ FE_CODER: 'llm' }).coder).toBe('llm');
    expect(() => loadConfig({ FE_CODER: 'bert' })).toThrow(/FE_CODER/);
  });

  it('lets only the desktop app call cross-origin by default, and nobody when emptied', () => {
    expect(loadConfig({}).corsOrigins).toEqual(['app://renderer']);
    expect(loadConfig({ FE_CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    expect(loadConfig({ FE_CORS_ORIGINS: 'https://a.example, app://renderer' }).corsOrigins).toEqual(['https://a.example', 'app://renderer']);
  });

  it('rejects an unknown FE_ key so typos are not silently ignored', () => {
    expect(() => loadConfig({ FE_API_PROT: '1' })).toThrow(/FE_API_PROT/);
  });
});
