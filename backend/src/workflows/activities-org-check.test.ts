import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createEvaluationStore } from '../evaluations/evaluation-store';
import { getRubric } from '../rubrics/rubric-catalog';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import type { LocalBlobStore } from '../blobs/local-blob-store';
import type { BlobRef } from '../blobs/blob-store';
import { createActivities } from './activities';

// The worker reads every reference as the org of its input: a reference of another org (a forged or
// mixed-up workflow input) fails at once with blob.foreign_org, non-retryable, and nothing is decrypted.
let t: TestDatabase;
let dir: string;
let blobs: LocalBlobStore;
let victim: { orgId: string };
let attacker: { orgId: string };
let recording: BlobRef;
let transcript: BlobRef;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-activities-org-'));
  blobs = t.blobStore(path.join(dir, 'blobs'));
  victim = await seedOrg(t.db, { name: 'Victim Clinic' });
  attacker = await seedOrg(t.db, { name: 'Attacker Clinic' });
  recording = await blobs.putBytes(victim.orgId, 'sessions/s/recording-x', new TextEncoder().encode('RIFF private audio'));
  transcript = await blobs.putBytes(victim.orgId, 'evaluations/e/transcript.json', new TextEncoder().encode(JSON.stringify({ segments: [] })));
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function activities() {
  return createActivities({
    blobs,
    store: createEvaluationStore(t.db),
    gateway: { baseURL: 'http://127.0.0.1:9/v1', credential: async () => 'unused', chatModel: 'm', sttModel: 's' },
    rubric: (id) => getRubric(id),
    limits: { maxBytes: 1e6, maxDurationSec: 60 },
    workDir: path.join(dir, 'work'),
    // These tests are about blob references; who may evaluate is evaluation-access.test.ts's.
    access: { requireEvaluate: async () => undefined },
  });
}

describe('evaluation activities', () => {
  const ids = () => ({ orgId: attacker.orgId, sessionId: randomUUID(), evaluationId: randomUUID() });

  it("refuse a recording reference of another org before decrypting it", async () => {
    await expect(activities().prepareRecording({ ...ids(), recording })).rejects.toMatchObject({ type: 'blob.foreign_org', nonRetryable: true });
    // Nothing of the victim's recording reached the scratch folder.
    const work = path.join(dir, 'work');
    const files = readdirSync(work, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files).toEqual([]);
  });

  it('refuse a transcript reference of another org in every step that reads one', async () => {
    const a = activities();
    await expect(a.assembleTranscript({ ...ids(), parts: [transcript, transcript], prepared: { durationSec: 1, regions: [[], []], container: 'wav', codec: 'pcm' } })).rejects.toMatchObject({ type: 'blob.foreign_org' });
    await expect(a.codeUnits({ ...ids(), rubricId: 'communication-general', transcript, idempotencyKey: 'k' })).rejects.toMatchObject({ type: 'blob.foreign_org' });
    await expect(a.analyzeSection({ ...ids(), rubricId: 'communication-general', sectionId: 'opening', transcript, coding: null, index: 0, of: 1, idempotencyKey: 'k' })).rejects.toMatchObject({ type: 'blob.foreign_org' });
    await expect(a.assembleAnalysis({ ...ids(), rubricId: 'communication-general', transcript, coding: transcript, sections: [], narrative: transcript })).rejects.toMatchObject({ type: 'blob.foreign_org' });
    await expect(a.renderReport({ ...ids(), rubricId: 'communication-general', transcript, metrics: transcript, analysis: transcript })).rejects.toMatchObject({ type: 'blob.foreign_org' });
  });

  it('still read their own org’s references', async () => {
    const own = await blobs.putBytes(attacker.orgId, 'evaluations/e2/transcript-ch0.json', new TextEncoder().encode(JSON.stringify({ segments: [], engine: { name: 'w', model: 't' } })));
    // assembleTranscript reads the parts and then fails later, on the missing session, not on the blob.
    await expect(activities().assembleTranscript({ ...ids(), parts: [own, own], prepared: { durationSec: 1, regions: [[], []], container: 'wav', codec: 'pcm' } })).rejects.not.toMatchObject({ type: 'blob.foreign_org' });
  });
});
