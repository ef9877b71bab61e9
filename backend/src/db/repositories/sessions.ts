import { randomUUID } from 'node:crypto';
import { AppError } from '../../../../app/contracts/errors';
import type { Channel } from '../../../../app/transcript/transcript';
import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso, isoOrNull } from '../row-values';
import { openTextOrLegacy, sealText } from '../../crypto/sealed-fields';

// Sealed at rest (docs/decisions/015): session titles (they often name the patient), participant
// names and consent method/text version. Each is bound to its org, table, column and row id.
const titlePlace = (id: string) => ({ table: 'sessions', column: 'title', rowKey: id });
const namePlace = (id: string) => ({ table: 'participants', column: 'display_name', rowKey: id });
const consentPlace = (id: string, column: 'method' | 'text_version') => ({ table: 'consents', column, rowKey: id });

export const SESSION_STATUSES = ['created', 'recording_uploaded', 'evaluating', 'completed', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface Session {
  id: string;
  orgId: string;
  title: string;
  rubricId: string;
  status: SessionStatus;
  createdBy: string;
  recordedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Consent {
  id: string;
  participantId: string;
  givenAt: string;
  method: string;
  textVersion: string;
}

export interface Participant {
  id: string;
  sessionId: string;
  channel: Channel;
  displayName: string;
  roleLabel: string;
  /** The latest consent this participant gave, or null. */
  consent: Consent | null;
}

export interface SessionWithParticipants extends Session {
  /** Ordered by channel: [channel 0, channel 1]. */
  participants: Participant[];
}

export interface ConsentInput {
  givenAt: string | Date;
  method: string;
  textVersion: string;
}

export interface NewParticipant {
  channel: Channel;
  displayName: string;
  roleLabel: string;
  consent?: ConsentInput;
}

export interface NewSession {
  title: string;
  rubricId: string;
  createdBy: string;
  recordedAt?: string | Date | null;
  participants: NewParticipant[];
}

/** A session always has exactly two participants, one on each channel; consents given up front are recorded with it. */
export async function createSessionWithParticipants(tx: Tx, input: NewSession): Promise<SessionWithParticipants> {
  const channels = input.participants.map((p) => p.channel).sort();
  if (channels.length !== 2 || channels[0] !== 0 || channels[1] !== 1) {
    throw new AppError('request.invalid', 'A session needs exactly two participants, one on channel 0 and one on channel 1');
  }
  const orgId = orgOf(tx);
  const sessionId = randomUUID();
  await tx.query('INSERT INTO sessions (id, org_id, title_sealed, rubric_id, created_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    sessionId,
    orgId,
    await sealText(tx, titlePlace(sessionId), input.title),
    input.rubricId,
    input.createdBy,
    input.recordedAt ?? null,
  ]);
  for (const p of input.participants) {
    const participantId = randomUUID();
    await tx.query('INSERT INTO participants (id, org_id, session_id, channel, display_name_sealed, role_label) VALUES ($1, $2, $3, $4, $5, $6)', [
      participantId,
      orgId,
      sessionId,
      p.channel,
      await sealText(tx, namePlace(participantId), p.displayName),
      p.roleLabel,
    ]);
    if (p.consent) await recordConsent(tx, { participantId, ...p.consent });
  }
  return (await getSession(tx, sessionId))!;
}

export async function getSession(tx: Tx, sessionId: string): Promise<SessionWithParticipants | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<SessionRow>('SELECT * FROM sessions WHERE id = $1', [sessionId]);
  if (!rows[0]) return null;
  const parts = await tx.query<ParticipantRow>(
    `SELECT p.*, c.id AS consent_id, c.given_at, c.method, c.text_version, c.method_sealed, c.text_version_sealed
     FROM participants p
     LEFT JOIN LATERAL (
       SELECT * FROM consents c WHERE c.participant_id = p.id ORDER BY c.given_at DESC, c.created_at DESC LIMIT 1
     ) c ON true
     WHERE p.session_id = $1
     ORDER BY p.channel`,
    [sessionId],
  );
  return { ...(await toSession(tx, rows[0])), participants: await Promise.all(parts.rows.map((r) => toParticipant(tx, r))) };
}

export async function listSessions(tx: Tx, opts: { createdBy?: string; status?: SessionStatus; limit?: number } = {}): Promise<Session[]> {
  const { rows } = await tx.query<SessionRow>(
    `SELECT * FROM sessions
     WHERE ($1::uuid IS NULL OR created_by = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id
     LIMIT $3`,
    [opts.createdBy ?? null, opts.status ?? null, opts.limit ?? 100],
  );
  return Promise.all(rows.map((r) => toSession(tx, r)));
}

/** Where a page of the list ends: the exact created_at (microseconds, UTC) and id of its last row. */
export interface SessionKey {
  createdAt: string;
  id: string;
}

export interface SessionPageFilter {
  status?: SessionStatus;
  rubricId?: string;
  /** On the session's date: recorded_at, else created_at. `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  /** Rows strictly after this key in the list's order (created_at DESC, id DESC). */
  after?: SessionKey;
  limit: number;
}

/** One batch of the keyset-paged list, each row with its key (sessions_org_created_idx serves the order). */
export async function listSessionsAfter(tx: Tx, f: SessionPageFilter): Promise<{ session: Session; key: SessionKey }[]> {
  const { rows } = await tx.query<SessionRow & { created_key: string }>(
    `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key FROM sessions
     WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR rubric_id = $2)
       AND ($3::timestamptz IS NULL OR COALESCE(recorded_at, created_at) >= $3)
       AND ($4::timestamptz IS NULL OR COALESCE(recorded_at, created_at) < $4)
       AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))
     ORDER BY created_at DESC, id DESC
     LIMIT $7`,
    [f.status ?? null, f.rubricId ?? null, f.from ?? null, f.to ?? null, f.after?.createdAt ?? null, f.after?.id ?? null, f.limit],
  );
  return Promise.all(rows.map(async (r) => ({ session: await toSession(tx, r), key: { createdAt: r.created_key, id: r.id } })));
}

export async function recordConsent(tx: Tx, input: { participantId: string } & ConsentInput): Promise<Consent> {
  const id = randomUUID();
  const { rows } = await tx.query<{ given_at: Date }>(
    'INSERT INTO consents (id, org_id, participant_id, given_at, method_sealed, text_version_sealed) VALUES ($1, $2, $3, $4, $5, $6) RETURNING given_at',
    [id, orgOf(tx), input.participantId, input.givenAt, await sealText(tx, consentPlace(id, 'method'), input.method), await sealText(tx, consentPlace(id, 'text_version'), input.textVersion)],
  );
  return { id, participantId: input.participantId, givenAt: iso(rows[0]!.given_at), method: input.method, textVersion: input.textVersion };
}

/** True when the participants on both channels have consented: the gate before any audio is accepted. */
export async function hasBothConsents(tx: Tx, sessionId: string): Promise<boolean> {
  if (!isUuid(sessionId)) return false;
  const { rows } = await tx.query<{ consented: number }>(
    `SELECT count(DISTINCT p.channel)::int AS consented
     FROM participants p JOIN consents c ON c.participant_id = p.id
     WHERE p.session_id = $1`,
    [sessionId],
  );
  return rows[0]!.consented === 2;
}

/**
 * Set the status; with `from`, only when the current status is one of those (a compare-and-set, so
 * two requests cannot both move a session forward). Returns null when the session is missing or
 * was not in an allowed status.
 */
export async function setSessionStatus(tx: Tx, sessionId: string, status: SessionStatus, opts: { from?: SessionStatus[] } = {}): Promise<Session | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<SessionRow>(
    `UPDATE sessions SET status = $2, updated_at = now()
     WHERE id = $1 AND ($3::text[] IS NULL OR status = ANY($3))
     RETURNING *`,
    [sessionId, status, opts.from ?? null],
  );
  return rows[0] ? toSession(tx, rows[0]) : null;
}

interface SessionRow {
  id: string;
  org_id: string;
  title: string | null;
  title_sealed: Buffer | null;
  rubric_id: string;
  status: SessionStatus;
  created_by: string;
  recorded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
interface ParticipantRow {
  id: string;
  session_id: string;
  channel: number;
  display_name: string | null;
  display_name_sealed: Buffer | null;
  role_label: string;
  consent_id: string | null;
  given_at: Date | null;
  method: string | null;
  text_version: string | null;
  method_sealed: Buffer | null;
  text_version_sealed: Buffer | null;
}

async function toSession(tx: Tx, r: SessionRow): Promise<Session> {
  return {
    id: r.id,
    orgId: r.org_id,
    title: await openTextOrLegacy(tx, titlePlace(r.id), r.title_sealed, r.title),
    rubricId: r.rubric_id,
    status: r.status,
    createdBy: r.created_by,
    recordedAt: isoOrNull(r.recorded_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

async function toParticipant(tx: Tx, r: ParticipantRow): Promise<Participant> {
  const c = r.consent_id;
  return {
    id: r.id,
    sessionId: r.session_id,
    channel: r.channel === 1 ? 1 : 0,
    displayName: await openTextOrLegacy(tx, namePlace(r.id), r.display_name_sealed, r.display_name),
    roleLabel: r.role_label,
    consent:
      c === null || r.given_at === null
        ? null
        : {
            id: c,
            participantId: r.id,
            givenAt: iso(r.given_at),
            method: await openTextOrLegacy(tx, consentPlace(c, 'method'), r.method_sealed, r.method),
            textVersion: await openTextOrLegacy(tx, consentPlace(c, 'text_version'), r.text_version_sealed, r.text_version),
          },
  };
}

/** Participant names of a session by channel, opened (the gateway's redaction needs them); null when the session is absent. */
export async function getParticipantNames(tx: Tx, sessionId: string): Promise<{ name: string; channel: 0 | 1 }[] | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<{ id: string | null; display_name: string | null; display_name_sealed: Buffer | null; channel: 0 | 1 | null }>(
    'SELECT p.id, p.display_name, p.display_name_sealed, p.channel FROM sessions s LEFT JOIN participants p ON p.session_id = s.id WHERE s.id = $1 ORDER BY p.channel',
    [sessionId],
  );
  if (rows.length === 0) return null;
  const out: { name: string; channel: 0 | 1 }[] = [];
  for (const r of rows) if (r.id !== null && r.channel !== null) out.push({ name: await openTextOrLegacy(tx, namePlace(r.id), r.display_name_sealed, r.display_name), channel: r.channel });
  return out;
}
