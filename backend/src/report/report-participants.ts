import type { ReportModel, ReportParticipant } from '../../../app/report/report-model';

/** The participant recorded on a channel (channel = speaker), looked up by channel, not position. */
export function participantOn(model: ReportModel, channel: 0 | 1): ReportParticipant {
  return model.participants.find((p) => p.channel === channel) ?? { channel, displayName: `Channel ${channel}`, roleLabel: channel === 0 ? 'Session owner' : 'Other party' };
}

export function speakerLabel(model: ReportModel, channel: 0 | 1): string {
  const p = participantOn(model, channel);
  return `${p.displayName} (${p.roleLabel})`;
}
