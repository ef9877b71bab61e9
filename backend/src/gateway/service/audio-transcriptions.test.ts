import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav16 } from '../../audio/wav';
import { startGatewayHarness, type GatewayHarness } from './gateway-test-harness';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ maxAudioBytes: 200_000 });
});
afterAll(() => h.close());

/** 1.5 s of 16 kHz mono: 48,000 bytes of samples. */
const wav = encodeWav16({ sampleRate: 16_000, channels: [new Float32Array(24_000).map((_, i) => 0.1 * Math.sin(i / 8))] });

function post(secret: string, fields: Record<string, string | string[]>, audio: Uint8Array = wav, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(audio)], { type: 'audio/wav' }), 'window.wav');
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
  return fetch(`${h.baseURL}/audio/transcriptions`, { method: 'POST', body: form, headers: { authorization: `Bearer ${secret}`, 'x-fe-purpose': 'transcription', ...headers } });
}

describe('POST /v1/audio/transcriptions', () => {
  it('prices a WAV by its duration, forwards it to the upstream model and audits the audio milliseconds', async () => {
    const o = await h.org();
    h.upstream.respond = () => ({ json: { text: 'hello there', language: 'english', duration: 1.5, words: [{ word: 'hello', start: 0.1, end: 0.5 }, { word: 'there', start: 0.6, end: 1.0 }], segments: [] } });
    const res = await post(o.secret, { model: 'test-stt', response_format: 'verbose_json', 'timestamp_granularities[]': ['word'] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string; words: unknown[]; duration: number };
    expect(body).toMatchObject({ text: 'hello there', duration: 1.5 });
    expect(body.words).toHaveLength(2);
    // 6000 micro-USD per minute × 1.5 s.
    expect(res.headers.get('x-fe-cost-micros')).toBe('150');
    expect(res.headers.get('x-fe-provider')).toBe('upstream-eu');
    const sent = h.upstream.calls.at(-1)!;
    expect(sent.path).toBe('/v1/audio/transcriptions');
    expect(sent.text).toContain('test-whisper');
    const [record] = await h.audit(o.orgId);
    expect(record).toMatchObject({ model: 'test-stt', purpose: 'transcription', audioMs: 1500, costMicros: 150, tokensIn: 0, outcome: 'ok', policyDecision: 'allow' });
  });

  it('refuses raw audio to a provider that requires redaction (403 policy.denied, nothing forwarded) unless the org allows it unredacted', async () => {
    const o = await h.org({ policy: { purposes: { transcription: { models: ['test-stt'] } } } });
    const before = h.upstream.calls.length;
    const res = await post(o.secret, { model: 'test-stt' });
    expect(res.status).toBe(403);
    const err = ((await res.json()) as { error: { code: string; details: { reasons: string[] } } }).error;
    expect(err).toMatchObject({ code: 'policy.denied', details: { reasons: ['PHI redaction is required for provider upstream-eu but this call cannot be redacted'] } });
    expect(h.upstream.calls.length).toBe(before);
    expect((await h.audit(o.orgId)).map((r) => [r.outcome, r.policyDecision])).toEqual([['policy.denied', 'deny']]);
  });

  it('reserves by the measured duration and refuses with 402 before forwarding when the budget is too small', async () => {
    const o = await h.org();
    await h.budget(o.orgId, { scope: 'org', period: 'day', capMicros: 149 });
    const before = h.upstream.calls.length;
    const res = await post(o.secret, { model: 'test-stt' });
    expect(res.status).toBe(402);
    expect(h.upstream.calls.length).toBe(before);
  });

  it('answers json and text formats in OpenAI shapes', async () => {
    const o = await h.org();
    h.upstream.respond = () => ({ json: { text: 'short', duration: 1.5 } });
    expect(await (await post(o.secret, { model: 'test-stt' })).json()).toEqual({ text: 'short' });
    const text = await post(o.secret, { model: 'test-stt', response_format: 'text' });
    expect(text.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await text.text()).toBe('short');
  });

  it('refuses an audio file over the size limit with 413 and a request without a file or model with 400', async () => {
    const o = await h.org();
    const big = encodeWav16({ sampleRate: 16_000, channels: [new Float32Array(120_000)] });
    const res = await post(o.secret, { model: 'test-stt' }, big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request.invalid');
    const noModel = await post(o.secret, {});
    expect(noModel.status).toBe(400);
    const notMultipart = await fetch(`${h.baseURL}/audio/transcriptions`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${o.secret}`, 'x-fe-purpose': 'transcription', 'content-type': 'application/json' } });
    expect(notMultipart.status).toBe(400);
  });

  it('refuses a chat model on the transcription endpoint with 404 model.not_found', async () => {
    const o = await h.org();
    const res = await post(o.secret, { model: 'test-chat' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model.not_found');
  });
});
