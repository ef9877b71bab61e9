import type { ErrorCode } from '../../app/contracts/errors';

const SERVICE_DOWN = 'Part of the evaluation service is not available right now. Press "Evaluate again" in a few minutes; if it keeps failing, tell your administrator.';
const UNREADABLE = 'The recording could not be read. Upload it again as a two-channel WAV, WebM/Ogg Opus or FLAC file, or record the call in the call room.';

/** What a clinician can do about an evaluation that stopped, by its code; the server's own message otherwise. */
const PLAIN: Partial<Record<ErrorCode, string>> = {
  'stt.unavailable': SERVICE_DOWN,
  'stt.model_missing': SERVICE_DOWN,
  'llm.unavailable': SERVICE_DOWN,
  'upstream.unavailable': SERVICE_DOWN,
  'upstream.timeout': SERVICE_DOWN,
  'coder.weights_missing': SERVICE_DOWN,
  'rate.limited': SERVICE_DOWN,
  'recording.empty_channel': 'One side of the recording is silent, so there is nothing to evaluate for that speaker. Record both speakers, each on their own channel, and upload again.',
  'recording.mono': 'The recording has one channel; the evaluation needs you on the left channel and the other participant on the right. Upload a two-channel recording.',
  'recording.corrupt': UNREADABLE,
  'recording.unsupported_format': UNREADABLE,
  'recording.missing': 'The recording is no longer stored. Upload it again.',
  'budget.exceeded': "Your organisation's AI budget for this period is used up. Ask your administrator to raise it, then press \"Evaluate again\".",
  'analysis.invalid_output': 'The AI gave answers that could not be checked against the transcript. Press "Evaluate again"; if it fails again, tell your administrator.',
  'rubric.not_found': 'The rubric of this session no longer exists. Ask your administrator which rubric to use.',
};

export const failureText = (error: { code: string; message: string }) => PLAIN[error.code as ErrorCode] ?? error.message;
