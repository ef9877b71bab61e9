import type { SessionView } from '../../../app/contracts/api';
import type { SessionWithParticipants } from '../db/repositories/sessions';
import type { Recording } from '../db/repositories/recordings';
import type { Evaluation } from '../db/repositories/evaluations';

export function sessionView(s: SessionWithParticipants, rec: Recording | null, ev: Evaluation | null): SessionView {
  return {
    id: s.id,
    title: s.title,
    rubricId: s.rubricId,
    status: s.status,
    createdAt: s.createdAt,
    recordedAt: s.recordedAt,
    participants: s.participants.map((p) => ({ channel: p.channel, displayName: p.displayName, roleLabel: p.roleLabel, consented: p.consent !== null })),
    recording: rec ? { sha256: rec.sha256, bytes: rec.bytes, durationSec: rec.durationSec ?? 0, container: rec.container ?? '' } : null,
    evaluation: ev
      ? { id: ev.id, status: ev.status, step: ev.step ?? 'queued', progress: ev.progress, error: ev.errorCode ? { code: ev.errorCode, message: ev.errorMessage ?? '' } : null, startedAt: ev.startedAt ?? ev.createdAt, finishedAt: ev.finishedAt }
      : null,
  };
}
