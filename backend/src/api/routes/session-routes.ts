import { SessionApiRoutes as R } from '../../../../app/contracts/session-api';
import type { Authorizer } from '../../access/authorizer';
import type { SessionService } from '../../sessions/session-service';
import type { ApiRoute, RouteContext } from '../route-table';
import { contractRoute, SENT } from '../contract-route';
import { requestIdFrom } from '../../ops/request-log';

const ctxOf = (ctx: RouteContext | null): RouteContext => ctx!;

/** Thin: the route table's guard has authorized the action; the contract has parsed the input; call the use-case, answer. */
export function sessionRoutes(sessions: SessionService, authorizer: Authorizer): ApiRoute[] {
  return [
    contractRoute(R.createSession, { resource: 'org', action: 'session.create' }, async ({ body }, ctx) => ({ status: 201, body: await sessions.createSession(ctxOf(ctx).identity, body) })),
    contractRoute(R.listSessions, { resource: 'org', action: 'session.list' }, async ({ query }, ctx) => {
      const { identity, subject } = ctxOf(ctx);
      const visible = (s: { id: string; createdBy: string }) => authorizer.permits(subject, 'session.read', { type: 'session', orgId: identity.orgId, id: s.id, createdBy: s.createdBy });
      const page = await sessions.listSessions(identity, query, visible);
      // The list names each session's participants: one audit record per request, naming the sessions.
      if (page.sessions.length > 0) await authorizer.recordListRead(subject, 'session.list', page.sessions.map((s) => s.id));
      return { status: 200, body: page };
    }),
    contractRoute(R.getSession, { resource: 'session', action: 'session.read' }, async ({ params }, ctx) => ({ status: 200, body: await sessions.getSession(ctxOf(ctx).identity, params.id) })),
    contractRoute(R.startEvaluation, { resource: 'session', action: 'session.evaluate' }, async ({ params, body }, ctx, req) => ({
      status: 202,
      body: await sessions.startEvaluation(ctxOf(ctx).identity, params.id, body.rubricId, { requestId: requestIdFrom(req) }),
    })),
    contractRoute(R.deleteSession, { resource: 'session', action: 'session.delete' }, async ({ params }, ctx) => {
      await sessions.deleteSession(ctxOf(ctx).identity, params.id);
      return { status: 204 };
    }),
    contractRoute(R.getEvaluation, { resource: 'session', action: 'session.read' }, async ({ params }, ctx) => ({ status: 200, body: (await sessions.getSession(ctxOf(ctx).identity, params.id)).evaluation })),
    contractRoute(R.getTranscript, { resource: 'session', action: 'session.read_transcript' }, async ({ params }, ctx) => ({ status: 200, body: await sessions.getTranscript(ctxOf(ctx).identity, params.id) })),
    contractRoute(R.getMetrics, { resource: 'session', action: 'session.read_analysis' }, async ({ params }, ctx) => ({ status: 200, body: await sessions.getMetrics(ctxOf(ctx).identity, params.id) })),
    contractRoute(R.getAnalysis, { resource: 'session', action: 'session.read_analysis' }, async ({ params }, ctx) => ({ status: 200, body: await sessions.getAnalysis(ctxOf(ctx).identity, params.id) })),
    contractRoute(R.getReportPdf, { resource: 'session', action: 'session.read_report' }, async ({ params }, ctx, _req, res) => {
      const { pdf, sha256 } = await sessions.getReportPdf(ctxOf(ctx).identity, params.id);
      res.type('application/pdf').set('ETag', `"${sha256}"`).set('Content-Disposition', `inline; filename="feedback-report-${params.id}.pdf"`).send(Buffer.from(pdf));
      return SENT;
    }),
    contractRoute(R.recordConsent, { resource: 'session', action: 'session.consent' }, async ({ params, body }, ctx) => ({ status: 201, body: await sessions.recordConsent(ctxOf(ctx).identity, params.id, body.channel, body.consent) })),
  ];
}
