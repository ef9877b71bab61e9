import type { Request } from 'express';
import { CreateSessionRequest, RecordConsentRequest, StartEvaluationRequest } from '../../../../app/contracts/api';
import { SessionListRoute } from '../../../../app/contracts/session-list-api';
import type { Authorizer } from '../../access/authorizer';
import type { SessionService } from '../../sessions/session-service';
import type { ApiRoute, RouteContext } from '../route-table';
import { requestIdFrom } from '../../ops/request-log';

const sid = (req: Request) => String(req.params.id);
const ctxOf = (ctx: RouteContext | null): RouteContext => ctx!;

/** Thin: the route table's guard has authorized the action; parse with the shared zod schema, call the use-case, send. */
export function sessionRoutes(sessions: SessionService, authorizer: Authorizer): ApiRoute[] {
  return [
    {
      method: 'post', path: '/sessions', resource: 'org', action: 'session.create',
      handler: async (req, res, ctx) => {
        res.status(201).json(await sessions.createSession(ctxOf(ctx).identity, CreateSessionRequest.parse(req.body)));
      },
    },
    {
      method: SessionListRoute.method, path: SessionListRoute.path, resource: 'org', action: 'session.list',
      handler: async (req, res, ctx) => {
        const { identity, subject } = ctxOf(ctx);
        const filter = SessionListRoute.query.parse(req.query);
        const visible = (s: { id: string; createdBy: string }) => authorizer.permits(subject, 'session.read', { type: 'session', orgId: identity.orgId, id: s.id, createdBy: s.createdBy });
        const page = await sessions.listSessions(identity, filter, visible);
        // The list names each session's participants: one audit record per request, naming the sessions.
        if (page.sessions.length > 0) await authorizer.recordListRead(subject, 'session.list', page.sessions.map((s) => s.id));
        res.json(page);
      },
    },
    {
      method: 'get', path: '/sessions/:id', resource: 'session', action: 'session.read',
      handler: async (req, res, ctx) => {
        res.json(await sessions.getSession(ctxOf(ctx).identity, sid(req)));
      },
    },
    {
      method: 'post', path: '/sessions/:id/evaluations', resource: 'session', action: 'session.evaluate',
      handler: async (req, res, ctx) => {
        const body = StartEvaluationRequest.parse(req.body ?? {});
        res.status(202).json(await sessions.startEvaluation(ctxOf(ctx).identity, sid(req), body.rubricId, { requestId: requestIdFrom(req) }));
      },
    },
    {
      method: 'delete', path: '/sessions/:id', resource: 'session', action: 'session.delete',
      handler: async (req, res, ctx) => {
        await sessions.deleteSession(ctxOf(ctx).identity, sid(req));
        res.status(204).end();
      },
    },
    {
      method: 'get', path: '/sessions/:id/evaluation', resource: 'session', action: 'session.read',
      handler: async (req, res, ctx) => {
        res.json((await sessions.getSession(ctxOf(ctx).identity, sid(req))).evaluation);
      },
    },
    {
      method: 'get', path: '/sessions/:id/transcript', resource: 'session', action: 'session.read_transcript',
      handler: async (req, res, ctx) => {
        res.json(await sessions.getTranscript(ctxOf(ctx).identity, sid(req)));
      },
    },
    {
      method: 'get', path: '/sessions/:id/metrics', resource: 'session', action: 'session.read_analysis',
      handler: async (req, res, ctx) => {
        res.json(await sessions.getMetrics(ctxOf(ctx).identity, sid(req)));
      },
    },
    {
      method: 'get', path: '/sessions/:id/analysis', resource: 'session', action: 'session.read_analysis',
      handler: async (req, res, ctx) => {
        res.json(await sessions.getAnalysis(ctxOf(ctx).identity, sid(req)));
      },
    },
    {
      method: 'get', path: '/sessions/:id/report.pdf', resource: 'session', action: 'session.read_report',
      handler: async (req, res, ctx) => {
        const { pdf, sha256 } = await sessions.getReportPdf(ctxOf(ctx).identity, sid(req));
        res.type('application/pdf').set('ETag', `"${sha256}"`).set('Content-Disposition', `inline; filename="feedback-report-${sid(req)}.pdf"`).send(Buffer.from(pdf));
      },
    },
    {
      method: 'post', path: '/sessions/:id/consents', resource: 'session', action: 'session.consent',
      handler: async (req, res, ctx) => {
        const body = RecordConsentRequest.parse(req.body);
        res.status(201).json(await sessions.recordConsent(ctxOf(ctx).identity, sid(req), body.channel, body.consent));
      },
    },
  ];
}
