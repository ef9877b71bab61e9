import { useEffect, useState, type FormEvent } from 'react';
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
export function UploadPanel({ sessionId, onUploaded }: { sessionId: string; onUploaded: () => void }) {
  const platform = useApp((s) => s.platform);
  const all = useApp((s) => s.uploads);
  const uploads = all.filter((u) => u.sessionId === sessionId);
  const [file, setFile] = useState<File | null>(null);
  const [local, setLocal] = useState<StoredRecording | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = uploads[uploads.length - 1];
  const completed = latest?.state === 'completed';

  useEffect(() => {
    platform.recordings.list().then((all) => setLocal(all.find((r) => r.sessionId === sessionId) ?? null), setError);
  }, [platform, sessionId, latest?.state]);
  useEffect(() => {
    if (completed) onUploaded();
  }, [completed, onUploaded]);

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
      {completed ? (
        <p className="help">The recording is uploaded and stored; this session needs no other file.</p>
      ) : (
      <form onSubmit={upload}>
        <label htmlFor="recording-file">Recording file (two channels: WAV, WebM/Ogg Opus or FLAC)</label>
        <input id="recording-file" type="file" accept="audio/*,.wav,.webm,.ogg,.opus,.flac" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <button type="submit" disabled={!file}>
          Upload recording
        </button>
      </form>
      )}
      {latest ? (
        <div className="upload" data-state={latest.state}>
          <ProgressBar label="Upload progress" value={latest.bytes ? latest.bytesSent / latest.bytes : 0} text={`${STATE_TEXT[latest.state]}: ${Math.round(latest.bytesSent / 1024)} of ${Math.round(latest.bytes / 1024)} kB`} />
          {latest.error && latest.state !== 'completed' ? <ErrorMessage error={latest.error} context={latest.state === 'failed' ? 'The upload was refused' : 'The upload will be retried'} /> : null}
          {latest.state === 'failed' ? (
            <p className="notice" data-testid="upload-refused-help">
              This file cannot be evaluated, so sending it again would be refused again. Choose a recording with two channels (you on the left, the other participant on the right) in WAV, WebM/Ogg Opus or FLAC, or record the call in the call room.
            </p>
          ) : null}
          {latest.state === 'waiting' ? (
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
