import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../../../app/contracts/errors';
import { redact } from '../../../../app/redaction/redaction';
import type { TranscriptionAnswer } from '../gateway-contracts';
import { sha256Hex } from '../gateway-audit';
import { audioDurationSec } from './audio-duration';
import { readCallHeaders } from './call-headers';
import { sttCost, worstCase } from './call-pricing';
import { invalid, toGatewayError } from './gateway-error';
import { admit, beginCall, failCall, finishCall, type GatewayRuntime, type StoredAnswer } from './governed-call';
import { readAudioUpload } from './multipart-audio';
import { sendStored } from './stored-answer';

const FORMATS = ['json', 'verbose_json', 'text'] as const;
type Format = (typeof FORMATS)[number];

/** POST /v1/audio/transcriptions (multipart): priced by the audio's duration, otherwise the same pipeline as chat. */
export async function audioTranscriptions(rt: GatewayRuntime, req: IncomingMessage, res: ServerResponse, abort: AbortSignal): Promise<void> {
  const started = performance.now();
  const caller = await rt.auth.authenticate(req.headers.authorization);
  const headers = readCallHeaders(req.headers, caller);
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) throw invalid('Send the audio as multipart/form-data');
  const upload = await readAudioUpload(req, rt.limits.maxAudioBytes);
  const field = (name: string) => upload.fields[name]?.[0];
  const model = field('model');
  if (!model) throw invalid('model is required', { param: 'model' });
  const format = (field('response_format') ?? 'json') as Format;
  if (!FORMATS.includes(format)) throw invalid(`response_format must be one of ${FORMATS.join(', ')}`, { param: 'response_format' });
  const granularities = [...(upload.fields['timestamp_granularities[]'] ?? []), ...(upload.fields['timestamp_granularities'] ?? [])];
  if (granularities.some((g) => g !== 'word' && g !== 'segment')) throw invalid('timestamp_granularities[] takes word and/or segment', { param: 'timestamp_granularities[]' });
  if (upload.audio.length === 0) throw invalid('The audio file is empty', { param: 'file' });
  const audioSec = await audioDurationSec(upload.audio, upload.filename);
  const language = field('language');
  const prompt = field('prompt');

  const a = await admit(rt, { started, caller, headers, kind: 'stt', model, maxTokens: null });
  const audioSha256 = createHash('sha256').update(upload.audio).digest('hex');
  const worst = worstCase(a.allowed, (t) => sttCost(rt.prices, rt.router, t, audioSec));
  if (worst.priced.length === 0) throw new AppError('config.invalid', `No price for any provider of ${model} in price table ${rt.prices.version}`, { status: 500 });
  const begun = await beginCall(rt, a, { path: '/v1/audio/transcriptions', model, format, granularities, language, prompt, audioSha256 }, worst.micros);
  if (begun.state === 'replay') return sendStored(res, begun.answer);
  const { idem, reservation } = begun;
  // The audio cannot be redacted; only the text prompt can (the policy decides whether audio may go to a provider at all).
  const redacted = prompt && a.decision.redact ? redact(prompt, { participants: a.ctx.participants }) : null;
  const sentPrompt = redacted?.text ?? prompt;
  const counts = Object.fromEntries(Object.entries(redacted?.counts ?? {}).filter(([, n]) => n > 0));
  const promptSha256 = sha256Hex(JSON.stringify({ audioSha256, prompt: sentPrompt ?? null }));

  let r: { value: TranscriptionAnswer; providerId: string; upstreamModel: string };
  try {
    r = await rt.router.run(worst.priced, (p, upstreamModel, signal) =>
      p.transcribe(
        { audio: upload.audio, filename: upload.filename, mimeType: upload.mimeType, model: upstreamModel, language, prompt: sentPrompt, wordTimestamps: granularities.includes('word') },
        AbortSignal.any([signal, abort]),
      ),
    );
  } catch (e) {
    const err = toGatewayError(e);
    await failCall(rt, a, reservation, idem, err, { redactionCounts: counts, promptSha256, audioMs: Math.round(audioSec * 1000) });
    throw err;
  }
  // A provider that reports no duration is billed for what the gateway measured.
  const billedSec = r.value.audioSec > 0 ? r.value.audioSec : audioSec;
  const costMicros = sttCost(rt.prices, rt.router, { providerId: r.providerId, upstreamModel: r.upstreamModel }, billedSec);
  const answer = shape(r.value, format, granularities);
  const out: StoredAnswer = {
    kind: format === 'text' ? 'text' : 'json',
    body: answer,
    headers: { ...reservation.headers, 'x-fe-provider': r.providerId, 'x-fe-cost-micros': String(costMicros), 'x-fe-policy-version': a.decision.version, 'x-fe-audio-ms': String(Math.round(billedSec * 1000)) },
  };
  await finishCall(rt, a, reservation, idem, { providerId: r.providerId, tokensIn: 0, tokensOut: 0, audioMs: Math.round(billedSec * 1000), costMicros, redactionCounts: counts, promptSha256, responseSha256: sha256Hex(r.value.body.text) }, out);
  sendStored(res, out, false);
}

/** OpenAI's shapes: json {text}; verbose_json with words/segments as asked; text as plain text. */
function shape(t: TranscriptionAnswer, format: Format, granularities: string[]): unknown {
  if (format === 'text') return t.body.text;
  if (format === 'json') return { text: t.body.text };
  const segments = granularities.length === 0 || granularities.includes('segment');
  return {
    task: 'transcribe',
    language: t.body.language ?? 'english',
    duration: t.body.duration,
    text: t.body.text,
    ...(granularities.includes('word') ? { words: t.body.words ?? [] } : {}),
    ...(segments ? { segments: t.body.segments ?? [] } : {}),
  };
}
