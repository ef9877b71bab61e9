import type { Response } from 'express';
import { AppError } from '../../../../app/contracts/errors';
import { recordingMediaType, SessionRecordingRoute } from '../../../../app/contracts/recording-api';
import { contentRange, parseByteRange } from '../../../../app/media/byte-range';
import type { SessionService } from '../../sessions/session-service';
import type { ApiRoute } from '../route-table';
import { contractRoute, SENT } from '../contract-route';

/**
 * The recording for playback of cited units. The guard authorises it exactly as the transcript
 * read (`session.read_transcript`, audited on every request); the handler answers ranges.
 */
export function recordingRoutes(sessions: SessionService): ApiRoute[] {
  return [
    contractRoute(SessionRecordingRoute, { resource: 'session', action: 'session.read_transcript', queryToken: true }, async ({ params }, ctx, req, res) => {
      const { data, sha256, container } = await sessions.getRecording(ctx!.identity, params.id);
      sendRanged(res, Buffer.from(data.buffer, data.byteOffset, data.byteLength), { type: recordingMediaType(container), etag: `"${sha256}"`, range: req.get('range') });
      return SENT;
    }),
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
