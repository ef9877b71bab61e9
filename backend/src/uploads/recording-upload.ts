import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as TusServer, type Upload } from '@tus/server';
import { PrivateFileStore, tightenUploadsFolder } from './private-file-store';
import { UploadMetadata } from '../../../app/contracts/api';
import { AppError, type ErrorCode } from '../../../app/contracts/errors';
import { isInvalidTextIssue } from '../../../app/contracts/text';
import { bearerToken, noSignInThrottle, throttledSignIn, type IdentityResolver, type SignInThrottle } from '../api/auth';
import { problemOf, toAppError } from '../api/problem';
import type { SessionService } from '../sessions/session-service';
import type { Authorizer } from '../access/authorizer';
import type { AccessAction } from '../access/access-policy';

export const UPLOADS_PATH = '/v1/uploads';

/** The access action of each tus request after creation (GET is not tus, but is treated as a look). */
export const UPLOAD_ACTIONS: Readonly<Record<string, AccessAction>> = { PATCH: 'upload.patch', HEAD: 'upload.head', GET: 'upload.head', DELETE: 'upload.delete' };

/** tus hooks report errors by throwing {status_code, body}; our body is RFC 9457 problem JSON. */
function tusError(e: unknown): { status_code: number; body: string } {
  const p = problemOf(toAppError(e));
  return { status_code: p.status, body: JSON.stringify(p) };
}

/** The stable code of one of tus's own plain-text refusals, by status. */
function codeOfTusStatus(status: number): ErrorCode {
  if (status === 401) return 'auth.invalid';
  if (status === 403) return 'auth.forbidden';
  if (status === 404 || status === 410) return 'upload.not_found';
  if (status === 413) return 'recording.too_large';
  return status >= 500 ? 'internal' : 'request.invalid';
}

/**
 * Every error answer as application/problem+json with a stable code: our hooks' problems (tus
 * would label them text/plain) and tus's own plain-text refusals (wrapped, their text as detail).
 */
export function problemJsonBody(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    if (typeof parsed.code === 'string') return body;
  } catch {
    // tus's own text
  }
  return JSON.stringify(problemOf(new AppError(codeOfTusStatus(status), body.trim() || `The upload server answered ${status}.`, { status })));
}

/**
 * Resumable recording upload (tus 1.0 via @tus/server): the client declares the session and the
 * sha256 in Upload-Metadata. Creation needs upload.create on the session (its owner or an org
 * admin) and checks both consents and the size; every later request is upload.patch/head/delete
 * on the upload (its uploader, while they may still upload to the session; an org admin may look
 * and cancel); the finished file is checked (sha256, content) and moved into the encrypted blob
 * store by the session service.
 */
export interface RecordingUploadOptions {
  uploadsDir: string;
  maxBytes: number;
  resolver: IdentityResolver;
  /** Failed sign-ins per client address, and how to tell the client's address (trusted proxies). */
  throttle?: SignInThrottle;
  clientOf?: (req: IncomingMessage) => string;
  sessions: SessionService;
  /** The access policy: upload.create on the session, then upload.patch/head/delete on the upload. */
  authorizer: Authorizer;
  publicBase?: string;
  /** An unfinished upload is deleted this long after it was created (tus expiration extension). Default 24 h. */
  expirySec?: number;
  /** How often expired uploads are swept. Default: a quarter of the expiry, at most hourly. */
  sweepEveryMs?: number;
  /** Origins whose pages may upload cross-origin (FE_CORS_ORIGINS); tus would otherwise answer `*`. */
  allowedOrigin?: (origin: string) => boolean;
  /** The request's app token; default its bearer header. The API server adds the browser's session cookie (its CSRF token checked before tus). */
  tokenOf?: (req: IncomingMessage) => string | null;
  log?: (m: string, d?: Record<string, unknown>) => void;
}

export function createRecordingUpload(opts: RecordingUploadOptions) {
  const expiryMs = (opts.expirySec ?? 24 * 3600) * 1000;
  // Files 600 in a 700 folder; unfinished ones expire (docs/decisions/015).
  const store = new PrivateFileStore({ directory: opts.uploadsDir, expirationPeriodInMilliseconds: expiryMs });

  async function who(req: Request) {
    // tus hands hooks a web Request; the Node request it was made from carries the socket.
    const node = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const client = node ? (opts.clientOf?.(node) ?? node.socket.remoteAddress ?? 'unknown') : 'unknown';
    const token = node && opts.tokenOf ? opts.tokenOf(node) : bearerToken(req.headers.get('authorization'));
    return throttledSignIn(opts.throttle ?? noSignInThrottle, opts.resolver, token, client);
  }

  const server = new TusServer({
    path: UPLOADS_PATH,
    datastore: store,
    maxSize: opts.maxBytes,
    respectForwardedHeaders: true,
    // tus's default is Access-Control-Allow-Origin: * for everyone; only configured origins get one.
    allowedOrigins: (origin) => opts.allowedOrigin?.(origin) ?? false,
    ...(opts.publicBase ? { generateUrl: (_req, { path: p, id }) => `${opts.publicBase}${p}/${id}` } : {}),
    async onUploadCreate(req, upload) {
      try {
        const identity = await who(req);
        const meta = UploadMetadata.safeParse(upload.metadata ?? {});
        if (!meta.success) throw new AppError(meta.error.issues.some(isInvalidTextIssue) ? 'request.invalid_text' : 'request.invalid', `Upload-Metadata: ${meta.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { status: 400 });
        await opts.authorizer.requireSession(await opts.authorizer.subjectOf(identity), 'upload.create', meta.data.sessionId);
        await opts.sessions.checkUploadAllowed(identity, meta.data.sessionId, upload.size);
        // Bind the upload to the org and user that created it; later requests are checked against it.
        return { metadata: { ...upload.metadata, orgId: identity.orgId, userId: identity.userId } };
      } catch (e) {
        throw tusError(e);
      }
    },
    async onIncomingRequest(req, uploadId) {
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      try {
        const identity = await who(req);
        const upload = await store.getUpload(uploadId).catch(() => null);
        // An unknown upload is tus' own 404.
        if (!upload) return;
        const orgId = upload.metadata?.orgId ?? '';
        const sessionId = upload.metadata?.sessionId ?? '';
        const uploadedBy = upload.metadata?.userId ?? '';
        const session = (orgId && sessionId ? await opts.authorizer.loadSession(orgId, sessionId) : null) ?? { type: 'session' as const, orgId, id: sessionId, createdBy: '' };
        await opts.authorizer.require(await opts.authorizer.subjectOf(identity), UPLOAD_ACTIONS[req.method] ?? 'upload.patch', { type: 'upload', orgId, uploadedBy, session });
      } catch (e) {
        throw tusError(e);
      }
    },
    async onUploadFinish(req, upload: Upload) {
      const file = path.join(opts.uploadsDir, upload.id);
      try {
        const identity = await who(req);
        const meta = UploadMetadata.parse(upload.metadata ?? {});
        const rec = await opts.sessions.acceptRecording(identity, meta.sessionId, { path: file, declaredSha256: meta.sha256, filename: meta.filename });
        opts.log?.('recording accepted', { sessionId: meta.sessionId, recordingId: rec.id, bytes: rec.bytes });
        return { status_code: 204, headers: { 'Recording-Id': rec.id, 'Recording-Sha256': rec.sha256, 'Access-Control-Expose-Headers': 'Recording-Id, Recording-Sha256' } };
      } catch (e) {
        opts.log?.('recording rejected', { uploadId: upload.id, error: toAppError(e).code });
        throw tusError(e);
      } finally {
        await rm(file, { force: true });
        await rm(`${file}.json`, { force: true });
      }
    },
    onResponseError(_req, err) {
      // tus' own size check answers 413 with plain text: give it our stable code.
      const status = 'status_code' in err ? err.status_code : 500;
      if (status === 413) return tusError(new AppError('recording.too_large', `The recording exceeds the limit of ${opts.maxBytes} bytes.`, { details: { limit: opts.maxBytes } }));
      return undefined;
    },
  });

  // Every answer tus writes itself (hook errors, its own refusals) goes through write().
  const tusWrite = server.write.bind(server);
  server.write = (context, headers, status, body = '') => {
    if (status < 400) return tusWrite(context, headers, status, body);
    headers.set('Content-Type', 'application/problem+json');
    return tusWrite(context, headers, status, problemJsonBody(status, body));
  };

  async function sweepExpired(): Promise<number> {
    const n = await server.cleanUpExpiredUploads();
    if (n > 0) opts.log?.('expired unfinished uploads deleted', { count: n });
    return n;
  }
  const sweepFailed = (e: unknown) => opts.log?.('sweeping expired uploads failed', { error: (e as Error).message });
  void tightenUploadsFolder(opts.uploadsDir).then(sweepExpired).catch(sweepFailed);
  const sweeper = setInterval(() => void sweepExpired().catch(sweepFailed), opts.sweepEveryMs ?? Math.min(Math.max(expiryMs / 4, 1000), 3600_000));
  sweeper.unref();

  return {
    handle: (req: IncomingMessage, res: ServerResponse) => server.handle(req, res),
    server,
    /** Deletes unfinished uploads older than the expiry; returns how many. Also runs on a timer. */
    sweepExpired,
    close: () => clearInterval(sweeper),
  };
}
