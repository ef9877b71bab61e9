import { randomBytes } from 'node:crypto';
import type { BlobRef, BlobStore } from '../blobs/blob-store';
import type { Database } from '../db/database';
import { createEvaluation } from '../db/repositories/evaluations';
import { insertRecording } from '../db/repositories/recordings';
import { upsertReport } from '../db/repositories/reports';
import { buildSampleAnalysis, sampleTranscript } from './sample-analysis-fixture';

export interface EvaluatedSession {
  sessionId: string;
  evaluationId: string;
  recording: BlobRef;
  report: BlobRef;
  /** An intermediate artefact (evaluations/<id>/transcript.json). */
  artefact: BlobRef;
}

/**
 * A session as a finished evaluation leaves it (participants, a consent, an accepted recording with
 * its audio blob, an evaluation, transcript, analysis, report with its PDF blob, an artefact), written
 * through the app login. Erasure and retention tests check all of it goes.
 */
export async function seedEvaluatedSession(db: Database, blobs: BlobStore, orgId: string, createdBy: string): Promise<EvaluatedSession> {
  const sessionId = await db.withOrg(orgId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>("INSERT INTO sessions (org_id, title, rubric_id, created_by, status) VALUES ($1, 'Fixture', 'mi-consultation', $2, 'completed') RETURNING id", [orgId, createdBy]);
    const s = rows[0]!.id;
    const p = await tx.query<{ id: string }>("INSERT INTO participants (org_id, session_id, channel, display_name, role_label) VALUES ($1, $2, 0, 'Dr A', 'clinician'), ($1, $2, 1, 'Pat B', 'patient') RETURNING id", [orgId, s]);
    await tx.query("INSERT INTO consents (org_id, participant_id, given_at, method, text_version) SELECT $1, id, now(), 'verbal', 'v1' FROM unnest($2::uuid[]) AS id", [orgId, p.rows.map((r) => r.id)]);
    return s;
  });
  const recording = await blobs.putBytes(orgId, `sessions/${sessionId}/recording-${randomBytes(8).toString('hex')}`, randomBytes(2048));
  return db.withOrg(orgId, async (tx) => {
    const rec = await insertRecording(tx, { sessionId, blobUri: recording.uri, sha256: recording.sha256, bytes: recording.bytes, status: 'accepted' });
    const ev = await createEvaluation(tx, { sessionId, workflowId: `fixture-${randomBytes(6).toString('hex')}`, recordingId: rec.id });
    const artefact = await blobs.putBytes(orgId, `evaluations/${ev.id}/transcript.json`, Buffer.from('{"segments":[]}'));
    const report = await blobs.putBytes(orgId, `evaluations/${ev.id}/report.pdf`, Buffer.from('%PDF-1.7 fixture'));
    await tx.query("INSERT INTO transcripts (org_id, session_id, evaluation_id, body, engine) VALUES ($1, $2, $3, $4, 'fixture')", [orgId, sessionId, ev.id, JSON.stringify(sampleTranscript())]);
    await tx.query("INSERT INTO analyses (org_id, session_id, evaluation_id, body, model, rubric_id, rubric_version) VALUES ($1, $2, $3, $4, 'fixture', 'mi-consultation', '2.0.0')", [orgId, sessionId, ev.id, JSON.stringify(buildSampleAnalysis())]);
    await upsertReport(tx, { sessionId, evaluationId: ev.id, blobUri: report.uri, sha256: report.sha256, bytes: report.bytes, pages: 1 });
    return { sessionId, evaluationId: ev.id, recording, report, artefact };
  });
}
