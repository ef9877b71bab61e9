import { z } from 'zod';
import type { HttpRouteContract } from './http-route';

/**
 * `GET /v1/sessions/{id}/recording`: the session's accepted recording, streamed with HTTP range
 * requests so a media element can seek to a cited unit (issue 13). Authorised like the transcript
 * read (`session.read_transcript`, an audited read): whoever may read what was said may hear it.
 *
 * Answers: 200 the whole file; 206 one range with Content-Range; 416 `recording.range_not_satisfiable`
 * with `Content-Range: bytes *\/<size>`; 404 `recording.missing` before an upload was accepted.
 * A Range header this route does not understand (another unit, several ranges, bad syntax) is
 * ignored and the whole file is sent, as RFC 9110 §14.2 allows.
 */
const audio = Object.fromEntries(['audio/wav', 'audio/ogg', 'audio/webm', 'audio/flac'].map((t) => [t, z.string().meta({ format: 'binary' })]));

export const SessionRecordingRoute = {
  operationId: 'getSessionRecording',
  method: 'get',
  /** Under /v1, express syntax. */
  path: '/sessions/:id/recording',
  auth: 'bearer',
  summary: 'The session\'s accepted recording for playback, with byte ranges (authorised and audited like the transcript)',
  params: z.object({ id: z.string().uuid() }),
  /** A media element cannot send an Authorization header: the app token may come here instead (docs/decisions/027). */
  query: z.object({ access_token: z.string().max(4096).optional().describe('The app token, for a media element that cannot send Authorization (a bearer header wins)') }),
  headers: z.object({ range: z.string().max(200).optional().describe('bytes=<first>-[<last>] or bytes=-<suffix length>; one range') }),
  responses: {
    200: { description: 'The whole recording', media: audio },
    206: { description: 'One byte range (Content-Range: bytes first-last/size)', media: audio },
  },
  errors: { 404: ['session.not_found', 'recording.missing'], 416: ['recording.range_not_satisfiable'] },
} as const satisfies HttpRouteContract;

/** The URL path a client puts in a media element's src. */
export const sessionRecordingPath = (sessionId: string): string => `/v1${SessionRecordingRoute.path.replace(':id', encodeURIComponent(sessionId))}`;

/** What a media element's src is set to: the route with the app token in the query (decision 027). */
export const sessionRecordingUrl = (apiBase: string, sessionId: string, token: string | null): string =>
  `${apiBase}${sessionRecordingPath(sessionId)}${token ? `?access_token=${encodeURIComponent(token)}` : ''}`;

/** Content-Type per accepted container (the probe's normalised names). */
export const RECORDING_MEDIA_TYPES: Readonly<Record<string, string>> = { wav: 'audio/wav', ogg: 'audio/ogg', webm: 'audio/webm', flac: 'audio/flac' };
export const recordingMediaType = (container: string): string => RECORDING_MEDIA_TYPES[container] ?? 'application/octet-stream';
