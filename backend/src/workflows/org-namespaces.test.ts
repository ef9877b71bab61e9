import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupWhisperModel } from '../../../scripts/setup/whisper-model';
import { defaultDataDir } from '../paths';
import { addApiToken, addMembership, createOrg, createUser } from '../db/repositories/identity';
import { chatCompletion, startOpenAiTestServer, type OpenAiTestServer } from '../testing/openai-test-server';
import { startPipelineHarness, type PipelineHarness } from '../testing/pipeline-harness';
import { scriptedUnitAnswer } from '../testing/scripted-unit-answers';
import { tusUpload } from '../testing/tus-upload';
import { makeStereoSpeechWav } from '../testing/audio-fixtures';
import { workflowIdFor } from './evaluation-client';
import { orgNamespace } from './org-namespaces';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-org-ns-'));
let llm: OpenAiTestServer;
let h: PipelineHarness;
const orgB = randomUUID();

beforeAll(async () => {
  await setupWhisperModel({ dataDir: defaultDataDir });
  llm = await startOpenAiTestServer({ respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))) });
  h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true, env: { FE_TEMPORAL_NAMESPACES: 'per-org', FE_TEMPORAL_ORG_REFRESH_SEC: '1' } });
  await h.tdb.db.withOrg(orgB, async (tx) => {
    await createOrg(tx, { name: 'Other Clinic' });
    const u = await createUser(tx, { email: 'clinician@other.test', displayName: 'Dr. Other' });
    await addMembership(tx, { userId: u.id, role: 'clinician' });
    await addApiToken(tx, { userId: u.id, token: `t-${randomBytes(12).toString('hex')}` });
  });
});
afterAll(async () => {
  await h?.stop();
  await llm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const until = async <T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe('per-org Temporal namespaces (FE_TEMPORAL_NAMESPACES=per-org)', () => {
  it("runs an org's evaluation in its own namespace, which another org's client cannot list, describe, signal or query", async () => {
    const orgA = h.who.orgId;
    const service = h.runtime.evaluations.client.connection.workflowService;
    // The worker registers every org's namespace it finds (B has no evaluation yet), with the org's retention: its shortest period (recordings, 30 days by default).
    for (const org of [orgA, orgB]) {
      const ns = await until(`namespace of ${org}`, () => service.describeNamespace({ namespace: orgNamespace(org) }));
      expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 86_400);
    }

    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const headers = { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' };
    const session = (await (await fetch(`${h.runtime.apiUrl}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title: 'Namespaces', rubricId: 'communication-general', participants: [{ channel: 0, displayName: 'Dr. A', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Patient A', roleLabel: 'Patient', consent }] }) })).json()) as { id: string };
    const wav = await makeStereoSpeechWav(tmp, { left: 'Good morning. What brings you in today?', right: 'My headaches started three weeks ago.', gapSec: 0.6 });
    expect((await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: wav.path, sessionId: session.id })).ok).toBe(true);
    const res = await fetch(`${h.runtime.apiUrl}/v1/sessions/${session.id}/evaluations`, { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(202);
    const { evaluation } = (await res.json()) as { evaluation: { id: string } };
    const workflowId = workflowIdFor(evaluation.id);

    // A worker polls A's namespace: the evaluation completes there.
    const result = await h.runtime.evaluations.result(workflowId, orgA);
    expect(result.report.uri).toContain(evaluation.id);
    const own = h.runtime.evaluations.clientFor(orgA);
    expect(own.options.namespace).toBe(orgNamespace(orgA));
    expect((await own.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
    const listedInA = await until('visibility of A', async () => {
      const ids: string[] = [];
      for await (const w of own.workflow.list({ query: `WorkflowId = '${workflowId}'` })) ids.push(w.workflowId);
      return ids.length ? ids : undefined;
    });
    expect(listedInA).toEqual([workflowId]);

    // B's client (and the deployment's shared namespace) does not see it at all.
    for (const other of [h.runtime.evaluations.clientFor(orgB), h.runtime.evaluations.client]) {
      const handle = other.workflow.getHandle(workflowId);
      await expect(handle.describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
      await expect(handle.signal('anything')).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
      await expect(handle.query('anything')).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
      const listed: string[] = [];
      for await (const w of other.workflow.list()) listed.push(w.workflowId);
      expect(listed).not.toContain(workflowId);
    }
    await expect(h.runtime.evaluations.result(workflowId, orgB)).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  }, 300_000);
});
