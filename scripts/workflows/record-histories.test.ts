/**
 * Records the event histories that backend/src/workflows/replay-histories.test.ts replays: the
 * evaluateSession workflow run for real (Temporal dev server, PostgreSQL, whisper, the gateway with
 * a scripted LLM provider, as evaluate-session.test.ts runs it) once to completion on the sample
 * session and once failing at its first step (a silent channel). Run it again when a workflow
 * change is meant to be incompatible with runs already in flight (after `patched()` or a new
 * workflow type), and commit the histories it writes. A vitest file for the test PostgreSQL of
 * vitest.global-setup.ts; it records only when asked:
 *
 *   RECORD_WORKFLOW_HISTORIES=1 npx vitest run scripts/workflows/record-histories.test.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { resourcesDir, defaultDataDir } from '../../backend/src/paths';
import { setupWhisperModel } from '../setup/whisper-model';
import { chatCompletion, startOpenAiTestServer } from '../../backend/src/testing/openai-test-server';
import { scriptedUnitAnswer } from '../../backend/src/testing/scripted-unit-answers';
import { startPipelineHarness } from '../../backend/src/testing/pipeline-harness';
import { tusUpload } from '../../backend/src/testing/tus-upload';
import { makeOneSilentChannelWav } from '../../backend/src/testing/audio-fixtures';
import { insertRecording } from '../../backend/src/db/repositories/recordings';
import { setSessionStatus } from '../../backend/src/db/repositories/sessions';
import { workflowIdFor } from '../../backend/src/workflows/evaluation-client';
import { HISTORIES_DIR } from '../../backend/src/workflows/recorded-histories';

async function record(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fe-histories-'));
  await setupWhisperModel({ dataDir: defaultDataDir });
  const llm = await startOpenAiTestServer({ respond: (req) => chatCompletion(JSON.stringify(scriptedUnitAnswer(req.body))) });
  const h = await startPipelineHarness({ llmBaseUrl: llm.baseURL, inProcessWorker: true });
  try {
    const api = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${h.runtime.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${h.who.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const consent = { given: true, method: 'in_app', textVersion: 'consent-v1' };
    const newSession = (title: string) =>
      api<{ id: string }>('POST', '/v1/sessions', { title, rubricId: 'motivational-interviewing', participants: [{ channel: 0, displayName: 'Dr. Maya Okafor', roleLabel: 'Clinician', consent }, { channel: 1, displayName: 'Daniel Reyes', roleLabel: 'Patient', consent }] });
    const save = async (name: string, evaluationId: string) => {
      const history = await h.runtime.evaluations.client.workflow.getHandle(workflowIdFor(evaluationId)).fetchHistory();
      // Protobuf binary, as Temporal stores it (historyToJSON trips over two protobufjs copies under vitest).
      const file = path.join(HISTORIES_DIR, `${name}.binpb`);
      writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
      console.log(`${file}: ${history.events?.length ?? 0} events`);
    };

    const completed = await newSession('Blood pressure follow-up');
    const up = await tusUpload({ endpoint: `${h.runtime.apiUrl}/v1/uploads`, token: h.who.token, file: path.join(resourcesDir, 'sample-session', 'sample-session.ogg'), sessionId: completed.id });
    if (!up.ok) throw new Error(`upload refused: ${JSON.stringify(up)}`);
    const run = await api<{ evaluation: { id: string } }>('POST', `/v1/sessions/${completed.id}/evaluations`, {});
    await h.runtime.evaluations.result(workflowIdFor(run.evaluation.id));
    await save('evaluate-session-completed', run.evaluation.id);

    const failing = await newSession('Silent guest');
    const silent = await makeOneSilentChannelWav(tmp, { name: 'silent.wav' });
    const ref = await h.runtime.blobs.putFile(h.who.orgId, `sessions/${failing.id}/recording-silent`, silent.path);
    await h.tdb.db.withOrg(h.who.orgId, async (tx) => {
      await insertRecording(tx, { sessionId: failing.id, blobUri: ref.uri, sha256: ref.sha256, bytes: ref.bytes, status: 'accepted' });
      await setSessionStatus(tx, failing.id, 'recording_uploaded');
    });
    const failed = await api<{ evaluation: { id: string } }>('POST', `/v1/sessions/${failing.id}/evaluations`, {});
    await h.runtime.evaluations.result(workflowIdFor(failed.evaluation.id)).then(
      () => {
        throw new Error('the silent-channel run should have failed');
      },
      () => undefined,
    );
    await save('evaluate-session-failed-empty-channel', failed.evaluation.id);
  } finally {
    await h.stop();
    await llm.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe.skipIf(!process.env.RECORD_WORKFLOW_HISTORIES)('recording the workflow histories the replay test replays', () => {
  it('runs evaluateSession to completion and to a failure, and writes both histories', record, 900_000);
});
