import type { PreparedRecording } from './evaluation-types';

/** What the report must warn about, from facts measured on the recording. */
export function reportNotices(prepared: PreparedRecording | undefined): string[] {
  const notices: string[] = [];
  const echo = prepared?.echoBleed;
  if (echo?.detected) {
    const level = echo.bleedRatioDb === null ? '' : ` at about ${Math.round(echo.bleedRatioDb)} dB`;
    notices.push(
      `Echo detected: the other participant's voice was also picked up by the session owner's microphone${level}, ${Math.round(echo.lagMs)} ms later (loudspeaker playback). Use a headset next time; some of the other participant's words may appear on the owner's channel.`,
    );
  }
  return notices;
}
