import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../app/contracts/errors';
import type { Identity } from '../api/auth';
import { listenEvaluationEvents } from '../evaluations/evaluation-events';
import type { Runtime } from '../runtime/runtime';
import { workflowIdFor } from '../workflows/evaluation-client';
import { createProgressLine } from './progress-line';

/**
 * `feedback evaluate` and `demo` sign in as the embedded dev identity. Against an external
 * DATABASE_URL (production) they refuse rather than create that identity there with a token from
 * the README.
 */
export function externalDatabaseRefusal(): AppError {
  return new AppError('config.invalid', 'feedback evaluate and demo run only on the embedded database: DATABASE_URL is set, and the CLI will not create its dev identity (with a well-known token) in an external database. Unset DATABASE_URL, or upload the recording through the API with a real account.');
}

export interface EvaluateOptions {
  audio: string;
  title: string;
  rubricId: string;
  participants: [{ displayName: string; roleLabel: string }, { displayName: string; roleLabel: string }];
  recordedAt?: string;
  outPdf: string;
  outJson?: string;
}

export interface EvaluateOutcome {
  sessionId: string;
  pdfPath: string;
  jsonPath?: string;
  pages: number;
  seconds: number;
}

/**
 * The same path as the API, without HTTP: a session with both consents (attested by the operator
 * running the command), the recording checked and stored, the workflow run on Temporal with live
 * progress, then the PDF (and optionally the JSON artefacts) written.
 */
export async function evaluateRecording(rt: Runtime, opts: EvaluateOptions): Promise<EvaluateOutcome> {
  const started = Date.now();
  // The CLI acts as the embedded dev identity, which exists only on the embedded database.
  if (!rt.devIdentity) throw externalDatabaseRefusal();
  const who: Identity = rt.devIdentity;
  const consent = { given: true as const, method: 'written' as const, textVersion: 'cli-operator-attested' };
  const session = await rt.sessions.createSession(who, {
    title: opts.title,
    rubricId: opts.rubricId,
    recordedAt: opts.recordedAt,
    participants: [
      { channel: 0, ...opts.participants[0], consent },
      { channel: 1, ...opts.participants[1], consent },
    ],
  });
  // acceptRecording consumes (deletes) its input: hand it a private copy.
  const staging = path.join(rt.config.derived.uploadsDir, `cli-${session.id}`);
  await mkdir(path.dirname(staging), { recursive: true });
  await copyFile(opts.audio, staging);
  const { createHash } = await import('node:crypto');
  const { readFile } = await import('node:fs/promises');
  const sha = createHash('sha256').update(await readFile(staging)).digest('hex');
  await rt.sessions.acceptRecording(who, session.id, { path: staging, declaredSha256: sha, filename: path.basename(opts.audio) });

  const bar = createProgressLine();
  const events = await listenEvaluationEvents(rt.databaseUrl, (orgId, e) => {
    if (orgId === who.orgId && e.sessionId === session.id) bar.update(e.progress, e.step);
  });
  try {
    const view = await rt.sessions.startEvaluation(who, session.id);
    bar.update(0, 'queued');
    try {
      await rt.evaluations.result(workflowIdFor(view.evaluation!.id), who.orgId);
    } catch {
      const failed = await rt.sessions.getSession(who, session.id);
      const err = failed.evaluation?.error;
      throw new AppError((err?.code as never) ?? 'evaluation.failed', err?.message ?? 'The evaluation failed');
    }
    bar.update(1, 'completed');
  } finally {
    bar.done();
    await events.close();
  }

  const { pdf, pages } = await rt.sessions.getReportPdf(who, session.id);
  await mkdir(path.dirname(path.resolve(opts.outPdf)), { recursive: true });
  await writeFile(opts.outPdf, pdf);
  if (opts.outJson) {
    const [transcript, metrics, analysis] = await Promise.all([rt.sessions.getTranscript(who, session.id), rt.sessions.getMetrics(who, session.id), rt.sessions.getAnalysis(who, session.id)]);
    await mkdir(path.dirname(path.resolve(opts.outJson)), { recursive: true });
    await writeFile(opts.outJson, JSON.stringify({ sessionId: session.id, transcript, metrics, analysis }, null, 2));
  }
  return { sessionId: session.id, pdfPath: path.resolve(opts.outPdf), jsonPath: opts.outJson && path.resolve(opts.outJson), pages, seconds: (Date.now() - started) / 1000 };
}
