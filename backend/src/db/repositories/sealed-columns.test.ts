import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifiedAnalysis } from '../../../../app/rubric/analysis';
import type { Transcript } from '../../../../app/transcript/transcript';
import { sealLegacyRows } from '../../crypto/legacy-sealing';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database';
import { seedOrg } from '../../testing/test-orgs';
import { getLatestAnalysis, upsertAnalysis } from './analyses';
import { createEvaluation } from './evaluations';
import { createSessionWithParticipants, getParticipantNames, getSession, listSessions, recordConsent } from './sessions';
import { getLatestTranscript, upsertTranscript } from './transcripts';

let t: TestDatabase;
let a: { orgId: string; userId: string };
let b: { orgId: string; userId: string };

beforeAll(async () => {
  t = await createTestDatabase();
  a = await seedOrg(t.db, { name: 'Sealed A' });
  b = await seedOrg(t.db, { name: 'Sealed B' });
});
afterAll(() => t.drop());

/** What someone with the database (a dump, a superuser, a backup) sees. */
async function raw<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

const transcript: Transcript = {
  segments: [{ channel: 1, start: 0.5, end: 2.1, text: 'I have not slept since my divorce', words: [{ text: 'I have not slept since my divorce', start: 0.5, end: 2.1, confidence: 0.9 }] }],
  language: 'en',
  durationSec: 3,
  engine: { name: 'whisper.cpp', model: 'tiny.en' },
};
const analysis: VerifiedAnalysis = {
  schemaVersion: 2,
  rubricId: 'mi',
  rubricVersion: '2.0.0',
  model: 'gemma',
  units: [],
  coding: null,
  sections: [],
  narrative: { status: 'written', summary: { text: 'The patient disclosed insomnia after a divorce.', citations: [], rejected: [] }, strengths: [], suggestions: [], attempts: 1 },
  stats: { citations: { cited: 0, accepted: 0, unknownUnit: 0, wrongSpeaker: 0 }, codingRejected: 0, calls: 0, retries: 0, promptTokens: 0, completionTokens: 0 },
};

async function session(org: { orgId: string; userId: string }, names: [string, string]) {
  return t.db.withOrg(org.orgId, (tx) =>
    createSessionWithParticipants(tx, {
      title: `Intake with ${names[1]}`,
      rubricId: 'mi',
      createdBy: org.userId,
      participants: [
        { channel: 0, displayName: names[0], roleLabel: 'Clinician', consent: { givenAt: new Date(), method: 'verbal-recorded', textVersion: 'consent-v3' } },
        { channel: 1, displayName: names[1], roleLabel: 'Patient', consent: { givenAt: new Date(), method: 'signed-paper', textVersion: 'consent-v3' } },
      ],
    }),
  );
}

describe('columns encrypted at rest', () => {
  it('stores titles, participant names, consents, transcripts and analyses only sealed, and reads them back', async () => {
    const s = await session(a, ['Dr. Amira Haddad', 'Daniel Reyes']);
    const ev = await t.db.withOrg(a.orgId, (tx) => createEvaluation(tx, { sessionId: s.id, workflowId: `wf-${s.id}` }));
    await t.db.withOrg(a.orgId, (tx) => upsertTranscript(tx, { sessionId: s.id, evaluationId: ev.id, body: transcript, engine: 'whisper' }));
    await t.db.withOrg(a.orgId, (tx) => upsertAnalysis(tx, { sessionId: s.id, evaluationId: ev.id, body: analysis, model: 'gemma', rubricId: 'mi', rubricVersion: '1' }));

    const dump = JSON.stringify([
      await raw('SELECT * FROM sessions WHERE id = $1', [s.id]),
      await raw('SELECT * FROM participants WHERE session_id = $1', [s.id]),
      await raw('SELECT c.* FROM consents c JOIN participants p ON p.id = c.participant_id WHERE p.session_id = $1', [s.id]),
      await raw('SELECT * FROM transcripts WHERE session_id = $1', [s.id]),
      await raw('SELECT * FROM analyses WHERE session_id = $1', [s.id]),
    ]);
    for (const secret of ['Daniel Reyes', 'Amira', 'Intake with', 'divorce', 'insomnia', 'verbal-recorded', 'signed-paper', 'consent-v3']) expect(dump).not.toContain(secret);
    const [row] = await raw<{ title: string | null; title_sealed: Buffer }>('SELECT title, title_sealed FROM sessions WHERE id = $1', [s.id]);
    expect(row!.title).toBeNull();
    expect(row!.title_sealed.length).toBeGreaterThan(16 + 12 + 16);

    const back = await t.db.withOrg(a.orgId, (tx) => getSession(tx, s.id));
    expect(back).toMatchObject({ title: 'Intake with Daniel Reyes', participants: [{ displayName: 'Dr. Amira Haddad', consent: { method: 'verbal-recorded', textVersion: 'consent-v3' } }, { displayName: 'Daniel Reyes', consent: { method: 'signed-paper' } }] });
    expect((await t.db.withOrg(a.orgId, (tx) => listSessions(tx))).map((x) => x.title)).toContain('Intake with Daniel Reyes');
    expect(await t.db.withOrg(a.orgId, (tx) => getParticipantNames(tx, s.id))).toEqual([{ name: 'Dr. Amira Haddad', channel: 0 }, { name: 'Daniel Reyes', channel: 1 }]);
    expect((await t.db.withOrg(a.orgId, (tx) => getLatestTranscript(tx, s.id)))?.body).toEqual(transcript);
    expect((await t.db.withOrg(a.orgId, (tx) => getLatestAnalysis(tx, s.id)))?.body).toEqual(analysis);

    // A consent given later is sealed too.
    await t.db.withOrg(a.orgId, (tx) => recordConsent(tx, { participantId: back!.participants[1]!.id, givenAt: new Date(Date.now() + 1000), method: 'guest-checkbox', textVersion: 'consent-v4' }));
    expect(JSON.stringify(await raw('SELECT * FROM consents'))).not.toContain('guest-checkbox');
    expect((await t.db.withOrg(a.orgId, (tx) => getSession(tx, s.id)))?.participants[1]?.consent).toMatchObject({ method: 'guest-checkbox', textVersion: 'consent-v4' });
  });

  it('refuses a sealed value copied into another row of the same org (crypto.integrity)', async () => {
    const s = await session(a, ['Dr. One', 'Patient One']);
    const [p0, p1] = await raw<{ id: string; display_name_sealed: Buffer }>('SELECT id, display_name_sealed FROM participants WHERE session_id = $1 ORDER BY channel', [s.id]);
    await raw('UPDATE participants SET display_name_sealed = $2 WHERE id = $1', [p0!.id, p1!.display_name_sealed]);
    await expect(t.db.withOrg(a.orgId, (tx) => getSession(tx, s.id))).rejects.toMatchObject({ code: 'crypto.integrity' });
  });

  it('refuses a sealed value copied into another org, even into a row with the same key', async () => {
    const sa = await session(a, ['Dr. A', 'Secret Patient']);
    const ea = await t.db.withOrg(a.orgId, (tx) => createEvaluation(tx, { sessionId: sa.id, workflowId: `wf-${sa.id}` }));
    await t.db.withOrg(a.orgId, (tx) => upsertTranscript(tx, { sessionId: sa.id, evaluationId: ea.id, body: transcript, engine: 'whisper' }));
    const sb = await session(b, ['Dr. B', 'Someone Else']);
    const eb = await t.db.withOrg(b.orgId, (tx) => createEvaluation(tx, { sessionId: sb.id, workflowId: `wf-${sb.id}` }));
    await t.db.withOrg(b.orgId, (tx) => upsertTranscript(tx, { sessionId: sb.id, evaluationId: eb.id, body: { ...transcript, segments: [] }, engine: 'whisper' }));
    const [stolen] = await raw<{ body_sealed: Buffer }>('SELECT body_sealed FROM transcripts WHERE evaluation_id = $1', [ea.id]);
    await raw('UPDATE transcripts SET body_sealed = $2 WHERE evaluation_id = $1', [eb.id, stolen!.body_sealed]);
    // Org B cannot even find org A's data key (row-level security), let alone open A's ciphertext.
    await expect(t.db.withOrg(b.orgId, (tx) => getLatestTranscript(tx, sb.id))).rejects.toMatchObject({ code: 'crypto.key_destroyed' });
  });

  it('reads rows written in clear before migration 0010, and seal-legacy seals them in place', async () => {
    const orgId = a.orgId;
    // A row as the code before encryption wrote it.
    const [s] = await raw<{ id: string }>("INSERT INTO sessions (org_id, title, rubric_id, created_by) VALUES ($1, 'Legacy visit of Maria Lopez', 'mi', $2) RETURNING id", [orgId, a.userId]);
    const [p] = await raw<{ id: string }>("INSERT INTO participants (org_id, session_id, channel, display_name, role_label) VALUES ($1, $2, 1, 'Maria Lopez', 'Patient') RETURNING id", [orgId, s!.id]);
    await raw("INSERT INTO participants (org_id, session_id, channel, display_name, role_label) VALUES ($1, $2, 0, 'Dr. Legacy', 'Clinician')", [orgId, s!.id]);
    await raw("INSERT INTO consents (org_id, participant_id, given_at, method, text_version) VALUES ($1, $2, now(), 'legacy-verbal', 'legacy-v1')", [orgId, p!.id]);
    const [ev] = await raw<{ id: string }>("INSERT INTO evaluations (org_id, session_id, workflow_id) VALUES ($1, $2, 'wf-legacy') RETURNING id", [orgId, s!.id]);
    await raw("INSERT INTO transcripts (org_id, session_id, evaluation_id, body, engine) VALUES ($1, $2, $3, $4, 'whisper')", [orgId, s!.id, ev!.id, JSON.stringify(transcript)]);
    await raw("INSERT INTO analyses (org_id, session_id, evaluation_id, body, model, rubric_id, rubric_version) VALUES ($1, $2, $3, $4, 'gemma', 'mi', '1')", [orgId, s!.id, ev!.id, JSON.stringify(analysis)]);

    const read = async () => ({
      session: await t.db.withOrg(orgId, (tx) => getSession(tx, s!.id)),
      transcript: (await t.db.withOrg(orgId, (tx) => getLatestTranscript(tx, s!.id)))?.body,
      analysis: (await t.db.withOrg(orgId, (tx) => getLatestAnalysis(tx, s!.id)))?.body,
    });
    const before = await read();
    expect(before.session).toMatchObject({ title: 'Legacy visit of Maria Lopez', participants: [{ displayName: 'Dr. Legacy' }, { displayName: 'Maria Lopez', consent: { method: 'legacy-verbal', textVersion: 'legacy-v1' } }] });
    expect(before.transcript).toEqual(transcript);

    const result = await sealLegacyRows(t.db, [orgId, b.orgId]);
    expect(result.values).toEqual({ 'sessions.title': 1, 'participants.display_name': 2, 'transcripts.body': 1, 'analyses.body': 1, 'consents.method+text_version': 1 });
    expect(await read()).toEqual(before);
    const dump = JSON.stringify([await raw('SELECT * FROM sessions'), await raw('SELECT * FROM participants'), await raw('SELECT * FROM consents'), await raw('SELECT * FROM transcripts'), await raw('SELECT * FROM analyses')]);
    for (const secret of ['Maria Lopez', 'legacy-verbal', 'legacy-v1', 'divorce', 'insomnia']) expect(dump).not.toContain(secret);
    expect((await sealLegacyRows(t.db, [orgId])).values).toEqual({ 'sessions.title': 0, 'participants.display_name': 0, 'transcripts.body': 0, 'analyses.body': 0, 'consents.method+text_version': 0 });
  });

  it('keeps consents append-only for the app role: no UPDATE, and seal_legacy_consent touches only a legacy row of its own org', async () => {
    const s = await session(a, ['Dr. C', 'Patient C']);
    const consentId = (await t.db.withOrg(a.orgId, (tx) => getSession(tx, s.id)))!.participants[1]!.consent!.id;
    await expect(t.db.withOrg(a.orgId, (tx) => tx.query('UPDATE consents SET method_sealed = NULL WHERE id = $1', [consentId]))).rejects.toThrow(/permission denied/);
    const { rows } = await t.db.withOrg(a.orgId, (tx) => tx.query<{ r: boolean | null }>("SELECT seal_legacy_consent($1, '\\x01'::bytea, '\\x01'::bytea) AS r", [consentId]));
    expect(rows[0]!.r).toBeNull();
  });
});
