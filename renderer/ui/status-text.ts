import type { EvaluationEvent, SessionView } from '../../app/contracts/api';
import type { UploadState } from '../platform/platform';

const SESSION_STATUS: Record<SessionView['status'], string> = {
  created: 'Waiting for the recording',
  recording_uploaded: 'Recording uploaded',
  evaluating: 'Evaluating',
  completed: 'Report ready',
  failed: 'Evaluation failed',
};

/** The statuses a list can be filtered by, in the order a session passes through them, with their words. */
export const SESSION_STATUS_CHOICES = (Object.keys(SESSION_STATUS) as SessionView['status'][]).map((value) => ({ value, label: SESSION_STATUS[value] }));

/** A session still waiting for its recording whose upload from this device was refused says so (the server never stored it). */
export const sessionStatusText = (s: SessionView['status'], upload?: UploadState) => (s === 'created' && upload === 'failed' ? 'Upload refused' : SESSION_STATUS[s]);

/** The freshest evaluation progress: the pushed event if newer than what the session says. */
export function evaluationProgress(session: SessionView, live: EvaluationEvent | undefined) {
  const ev = session.evaluation;
  if (live && (!ev || live.evaluationId === ev.id)) return { status: live.status, step: live.step, progress: live.progress, error: live.error };
  return ev ? { status: ev.status, step: ev.step, progress: ev.progress, error: ev.error } : null;
}
