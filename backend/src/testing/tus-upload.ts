import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tus from 'tus-js-client';

export interface UploadOutcome {
  ok: boolean;
  status?: number;
  body?: string;
  url: string | null;
  headers?: Record<string, string>;
}

/** Upload a file with the real tus client (as the desktop app does). `stopAfterBytes` aborts mid-way. */
export function tusUpload(opts: { endpoint: string; token: string; file: string | Buffer; sessionId: string; sha256?: string; chunkSize?: number; uploadUrl?: string; stopAfterBytes?: number; /** Extra headers; with an empty token no Authorization (the browser's session cookie and its CSRF token instead). */ headers?: Record<string, string> }): Promise<UploadOutcome> {
  const data = typeof opts.file === 'string' ? readFileSync(opts.file) : opts.file;
  const sha256 = opts.sha256 ?? createHash('sha256').update(data).digest('hex');
  return new Promise((resolve) => {
    let finishHeaders: Record<string, string> = {};
    const upload = new tus.Upload(data, {
      endpoint: opts.endpoint,
      uploadUrl: opts.uploadUrl,
      chunkSize: opts.chunkSize ?? 256 * 1024,
      retryDelays: [],
      headers: { ...opts.headers, ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
      metadata: { sessionId: opts.sessionId, sha256, filename: 'recording' },
      onAfterResponse(_req, res) {
        const id = res.getHeader('Recording-Id');
        if (id) finishHeaders = { 'recording-id': id, 'recording-sha256': res.getHeader('Recording-Sha256') ?? '' };
      },
      onProgress(sent) {
        if (opts.stopAfterBytes && sent >= opts.stopAfterBytes) {
          void upload.abort(false).then(() => resolve({ ok: false, url: upload.url }));
        }
      },
      onSuccess: () => resolve({ ok: true, url: upload.url, headers: finishHeaders }),
      onError(err) {
        const res = (err as tus.DetailedError).originalResponse;
        resolve({ ok: false, status: res?.getStatus(), body: res?.getBody(), url: upload.url });
      },
    });
    upload.start();
  });
}
