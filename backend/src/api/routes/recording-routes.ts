import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../../../app/contracts/errors';
import { recordingMediaType, SessionRecordingRoute } from '../../../../app/contracts/recording-api';
import { contentRange, parseByteRange } from '../../../../app/media/byte-range';
import type { SessionService } from '../../sessions/session-service';
import type { ApiRoute } from '../route-table';

/**
 * The recording for playback of cited units. The guard authorises it exactly as the transcript
 * read (`session.read_transcript`, audited on every request); the handler answers ranges.
 */
export function recordingRoutes(sessions: SessionService): ApiRoute[] {
  const { method, path } = SessionRecordingRoute;
  return [
    {
      method, path, resource: 'session', action: 'session.read_transcript', queryToken: true,
      handler: async (req, res, ctx) => {
        const { id } = SessionRecordingRoute.params.parse(req.params);
        const { data, sha256, container } = await sessions.getRecording(ctx!.identity, id);
        sendRanged(res, Buffer.from(data.buffer, data.byteOffset, data.byteLength), { type: recordingMediaType(container), etag: `"${sha256}"`, range: req.get('range') });
      },
    },
  ];
}

function sendRanged(res: Response, body: Buffer, o: { type: string; etag: string; range: string | undefined }): void {
  const size = body.byteLength;
  // Media elements re-request ranges while seeking; a recording is health data, so nothing may keep it.
  res.set({ 'Accept-Ranges': 'bytes', ETag: o.etag, 'Cache-Control': 'private, no-store' });
  const range = parseByteRange(o.range, size);
  if (range.kind === 'unsatisfiable') {
    res.set('Content-Range', contentRange(null, size));
    throw new AppError('recording.range_not_satisfiable', `The range ${o.range ?? ''} lies outside the recording's ${size} bytes.`, { details: { size } });
  }
  res.type(o.type);
  if (range.kind === 'full') return void res.status(200).set('Content-Length', String(size)).end(body);
  const slice = body.subarray(range.start, range.end + 1);
  res.status(206).set({ 'Content-Range': contentRange(range, size), 'Content-Length': String(slice.byteLength) }).end(slice);
}

export function registerRecordingOpenApi(reg: OpenAPIRegistry, h: { security: RouteConfig['security']; errors: RouteConfig['responses']; problem: z.ZodType }) {
  const audio = Object.fromEntries(['audio/wav', 'audio/ogg', 'audio/webm', 'audio/flac'].map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }]));
  reg.registerPath({
    method: SessionRecordingRoute.method,
    path: `/v1${SessionRecordingRoute.path.replace(':id', '{id}')}`,
    operationId: SessionRecordingRoute.operationId,
    summary: 'The session\'s accepted recording for playback, with byte ranges (authorised and audited like the transcript). Problems: recording.missing (404), recording.range_not_satisfiable (416)',
    security: h.security,
    request: { params: SessionRecordingRoute.params, query: SessionRecordingRoute.query, headers: SessionRecordingRoute.headers },
    responses: {
      200: { description: 'The whole recording', content: audio },
      206: { description: 'One byte range (Content-Range: bytes first-last/size)', content: audio },
      ...h.errors,
      416: { description: 'Problem (recording.range_not_satisfiable); Content-Range: bytes */size', content: { 'application/problem+json': { schema: h.problem } } },
    },
  });
}
