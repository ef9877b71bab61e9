import { Router, type Request } from 'express';
import { CreateSessionRequest, RecordConsentRequest, StartEvaluationRequest } from '../../../../app/contracts/api';
import { identityOf, requireRole } from '../auth';
import type { SessionService } from '../../sessions/session-service';

const readers = requireRole('clinician', 'supervisor', 'org_admin');
const writers = requireRole('clinician', 'org_admin');
const sid = (req: Request) => String(req.params.id);

/** Thin: parse with the shared zod schema, call the use-case, send. */
export function sessionRoutes(sessions: SessionService): Router {
  const r = Router();
  r.post('/sessions', writers, async (req, res) => {
    res.status(201).json(await sessions.createSession(identityOf(res), CreateSessionRequest.parse(req.body)));
  });
  r.get('/sessions', readers, async (_req, res) => {
    res.json({ sessions: await sessions.listSessions(identityOf(res)) });
  });
  r.get('/sessions/:id', readers, async (req, res) => {
    res.json(await sessions.getSession(identityOf(res), sid(req)));
  });
  r.post('/sessions/:id/evaluations', writers, async (req, res) => {
    const body = StartEvaluationRequest.parse(req.body ?? {});
    res.status(202).json(await sessions.startEvaluation(identityOf(res), sid(req), body.rubricId));
  });
  r.get('/sessions/:id/evaluation', readers, async (req, res) => {
    res.json((await sessions.getSession(identityOf(res), sid(req))).evaluation);
  });
  r.get('/sessions/:id/transcript', readers, async (req, res) => {
    res.json(await sessions.getTranscript(identityOf(res), sid(req)));
  });
  r.get('/sessions/:id/metrics', readers, async (req, res) => {
    res.json(await sessions.getMetrics(identityOf(res), sid(req)));
  });
  r.get('/sessions/:id/analysis', readers, async (req, res) => {
    res.json(await sessions.getAnalysis(identityOf(res), sid(req)));
  });
  r.get('/sessions/:id/report.pdf', readers, async (req, res) => {
    const { pdf, sha256 } = await sessions.getReportPdf(identityOf(res), sid(req));
    res.type('application/pdf').set('ETag', `"${sha256}"`).set('Content-Disposition', `inline; filename="feedback-report-${req.params.id}.pdf"`).send(Buffer.from(pdf));
  });
  r.post('/sessions/:id/consents', writers, async (req, res) => {
    const body = RecordConsentRequest.parse(req.body);
    res.status(201).json(await sessions.recordConsent(identityOf(res), sid(req), body.channel, body.consent));
  });
  return r;
}
