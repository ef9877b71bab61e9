import { AppError } from '../../../../app/contracts/errors';
import type { Channel } from '../../../../app/transcript/transcript';
import type { Tx } from '../database';
import { isUuid, orgOf } from '../database';
import { iso, isoOrNull } from '../row-values';

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
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO sessions (org_id, title, rubric_id, created_by, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [orgId, input.title, input.rubricId, input.createdBy, input.recordedAt ?? null],
  );
  const sessionId = rows[0]!.id;
  for (const p of input.participants) {
    const inserted = await tx.query<{ id: string }>(
      'INSERT INTO participants (org_id, session_id, channel, display_name, role_label) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [orgId, sessionId, p.channel, p.displayName, p.roleLabel],
    );
    if (p.consent) await recordConsent(tx, { participantId: inserted.rows[0]!.id, ...p.consent });
  }
  return (await getSession(tx, sessionId))!;
}

export async function getSession(tx: Tx, sessionId: string): Promise<SessionWithParticipants | null> {
  if (!isUuid(sessionId)) return null;
  const { rows } = await tx.query<SessionRow>('SELECT * FROM sessions WHERE id = $1', [sessionId]);
  if (!rows[0]) return null;
  const parts = await tx.query<ParticipantRow>(
    `SELECT p.*, c.id AS consent_id, c.given_at, c.method, c.text_version
     FROM participants p
     LEFT JOIN LATERAL (
       SELECT * FROM consents c WHERE c.participant_id = p.id ORDER BY c.given_at DESC, c.created_at DESC LIMIT 1
     ) c ON true
     WHERE p.session_id = $1
     ORDER BY p.channel`,
    [sessionId],
  );
  return { ...toSession(rows[0]), participants: parts.rows.map(toParticipant) };
}

export async function listSessions(tx: Tx, opts: { createdBy?: string; status?: SessionStatus; limit?: number } = {}): Promise<Session[]> {
  const { rows } = await tx.query<SessionRow>(
    `SELECT * FROM sessions
     WHERE ($1::uuid IS NULL OR created_by = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id
     LIMIT $3`,
    [opts.createdBy ?? null, opts.status ?? null, opts.limit ?? 100],
  );
  return rows.map(toSession);
}

export async function recordConsent(tx: Tx, input: { participantId: string } & ConsentInput): Promise<Consent> {
  const { rows } = await tx.query<ConsentRow>(
    'INSERT INTO consents (org_id, participant_id, given_at, method, text_version) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [orgOf(tx), input.participantId, input.givenAt, input.method, input.textVersion],
  );
  const r = rows[0]!;
  return { id: r.id, participantId: r.participant_id, givenAt: iso(r.given_at), method: r.method, textVersion: r.text_version };
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
  return rows[0] ? toSession(rows[0]) : null;
}

interface SessionRow {
  id: string;
  org_id: string;
  title: string;
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
  display_name: string;
  role_label: string;
  consent_id: string | null;
  given_at: Date | null;
  method: string | null;
  text_version: string | null;
}
interface ConsentRow {
  id: string;
  participant_id: string;
  given_at: Date;
  method: string;
  text_version: string;
}

function toSession(r: SessionRow): Session {
  return {
    id: r.id,
    orgId: r.org_id,
    title: r.title,
    rubricId: r.rubric_id,
    status: r.status,
    createdBy: r.created_by,
    recordedAt: isoOrNull(r.recorded_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function toParticipant(r: ParticipantRow): Participant {
  return {
    id: r.id,
    sessionId: r.session_id,
    channel: r.channel === 1 ? 1 : 0,
    displayName: r.display_name,
    roleLabel: r.role_label,
    consent:
      r.consent_id === null || r.given_at === null
        ? null
        : { id: r.consent_id, participantId: r.id, givenAt: iso(r.given_at), method: r.method ?? '', textVersion: r.text_version ?? '' },
  };
}
