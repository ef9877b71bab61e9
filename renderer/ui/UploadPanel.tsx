import { useEffect, useState, type FormEvent } from 'react';
import type { SessionView } from '../../app/contracts/api';
import { uploadRetryCanSucceed } from '../../app/contracts/upload-retry';
import type { StoredRecording, UploadView } from '../platform/platform';
import { useApp } from './app-context';
import { ErrorMessage } from './ErrorMessage';
import { ProgressBar } from './ProgressBar';

const STATE_TEXT: Record<UploadView['state'], string> = {
  queued: 'Queued',
  uploading: 'Uploading',
  waiting: 'Waiting to retry',
  completed: 'Uploaded',
  failed: 'Refused',
};

/** Pick a recording file or recover one left on this device, and follow its resumable upload. */
export function UploadPanel({ sessionId, stored, onUploaded }: { sessionId: string; stored: SessionView['recording']; onUploaded: () => void }) {
  const platform = useApp((s) => s.platform);
  const all = useApp((s) => s.uploads);
  const uploads = all.filter((u) => u.sessionId === sessionId);
  const [file, setFile] = useState<File | null>(null);
  // A new key empties the file input: a refused file stays unchosen, so the button waits for another one.
  const [inputKey, setInputKey] = useState(0);
  const [local, setLocal] = useState<StoredRecording | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = uploads[uploads.length - 1];
  const completed = latest?.state === 'completed';
  // Done once the server holds a recording for this session, whichever device sent it.
  const done = completed || stored !== null;

  useEffect(() => {
    platform.recordings.list().then((all) => setLocal(all.find((r) => r.sessionId === sessionId) ?? null), setError);
  }, [platform, sessionId, latest?.state]);
  useEffect(() => {
    if (completed) onUploaded();
  }, [completed, onUploaded]);
  const refused = latest?.state === 'failed';
  useEffect(() => {
    if (!refused) return;
    setFile(null);
    setInputKey((k) => k + 1);
  }, [refused, latest?.id]);

  const upload = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    try {
      await platform.uploads.enqueueFile(sessionId, file);
    } catch (err) {
      setError(err);
    }
  };
  const recover = async () => {
    setError(null);
    try {
      await platform.recordings.recover(sessionId);
      await platform.uploads.enqueueRecording(sessionId);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="upload-h">
      <h2 id="upload-h">Recording</h2>
      {local?.state === 'interrupted' ? (
        <div className="notice" role="status">
          <p>
            A recording of this session was interrupted ({Math.round(local.bytes / 1024)} kB saved on this device).
          </p>
          <button type="button" onClick={recover}>
            Recover and upload the recording
          </button>
        </div>
      ) : null}
      {done ? (
        <div className="upload upload-done" role="status" data-testid="upload-done" data-state="completed">
          <span className="step-mark" aria-hidden="true">
            ✓
          </span>{' '}
          Recording uploaded{stored ? ` (${clock(stored.durationSec)}, ${Math.round(stored.bytes / 1024)} kB)` : latest ? ` (${Math.round(latest.bytes / 1024)} kB)` : ''}. It is stored on the server; this session needs no other file.
        </div>
      ) : (
        <form onSubmit={upload}>
          <label htmlFor="recording-file">Recording file (two channels: WAV, WebM/Ogg Opus or FLAC)</label>
          <input key={inputKey} id="recording-file" type="file" accept="audio/*,.wav,.webm,.ogg,.opus,.flac" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <button type="submit" disabled={!file} aria-describedby={!file ? 'upload-why' : undefined}>
            Upload recording
          </button>
          {!file ? (
            <p id="upload-why" className="help">
              {refused ? 'Choose another recording to upload.' : 'Choose the recording file first.'}
            </p>
          ) : null}
        </form>
      )}
      {latest && !done ? (
        <div className="upload" data-state={latest.state}>
          {refused ? null : <ProgressBar label="Upload progress" value={latest.bytes ? latest.bytesSent / latest.bytes : 0} text={`${STATE_TEXT[latest.state]}: ${Math.round(latest.bytesSent / 1024)} of ${Math.round(latest.bytes / 1024)} kB`} />}
          {latest.error ? <ErrorMessage error={latest.error} context={latest.state === 'failed' ? 'The upload was refused' : 'The upload will be retried'} /> : null}
          {latest.state === 'failed' ? (
            <p className="notice" data-testid="upload-refused-help">
              {refusedHelp(latest.error?.code)}
            </p>
          ) : null}
          {latest.state === 'waiting' && uploadRetryCanSucceed(latest.error?.code ?? '') ? (
            <button type="button" onClick={() => void platform.uploads.retry(latest.id)}>
              Retry now
            </button>
          ) : null}
        </div>
      ) : null}
      <ErrorMessage error={error} context="Upload" />
    </section>
  );
}

const clock = (sec: number) => `${Math.floor(sec / 60)}:${String(Math.round(sec % 60)).padStart(2, '0')}`;

/** What to do instead of sending the same file again. */
function refusedHelp(code: string | undefined): string {
  if (code === 'consent.missing') return 'Both participants must consent before the recording can be stored. Record their consent on this session, then upload the file again.';
  if (code === 'auth.forbidden' || code === 'policy.denied') return 'You may not add a recording to this session. Ask the session owner or your administrator.';
  return 'This file cannot be evaluated, so sending it again would be refused again. Choose a recording with two channels (you on the left, the other participant on the right) in WAV, WebM/Ogg Opus or FLAC, or record the call in the call room.';
}
