import { useEffect, useRef, useState } from 'react';
import type { PeerInfo } from '../../app/contracts/signaling';
import { startCall, type CallState, type CallStateInfo } from '../call/peer-call';
import type { SignalRefusal } from '../call/signaling-client';
import { createEchoBleedMonitor } from '../call/echo-bleed-monitor';
import { createTwoChannelRecorder, type TwoChannelRecorder } from '../call/two-channel-recorder';
import type { RecordingStore } from '../platform/platform';
import { ErrorMessage } from './ErrorMessage';
import { LevelMeter } from './LevelMeter';

const STATE_TEXT: Record<CallState, string> = {
  connecting: 'Connecting…',
  waiting: 'Waiting for the other participant',
  connected: 'Connected',
  reconnecting: 'Connection lost: reconnecting…',
  failed: 'Connection lost',
  ended: 'Call ended',
  refused: 'Refused',
};

/** "Reconnecting… (attempt 2 of 6)" while the owner's recovery runs. */
function stateText(state: CallState, info: CallStateInfo) {
  if (state === 'reconnecting' && info.attempt) return `Reconnecting… (attempt ${info.attempt} of ${info.maxAttempts ?? '?'})`;
  if (state === 'reconnecting') return 'Connection lost: reconnecting…';
  return STATE_TEXT[state];
}

const clock = (s: number) => `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/**
 * The call itself, for either side: signaling + peer connection + the channel mixer (meters; the
 * owner also records from it). `children` receives the recorder and whether the peer is connected.
 */
export function CallPanel(props: {
  base: string;
  token: string;
  sessionId: string;
  microphone: MediaStream;
  store: RecordingStore;
  localLabel: string;
  children?: (r: { recorder: TwoChannelRecorder; connected: boolean; hangUp: () => void }) => React.ReactNode;
  onEnded?: () => void;
}) {
  const [state, setState] = useState<CallState>('connecting');
  const [refusal, setRefusal] = useState<SignalRefusal | null>(null);
  const [info, setInfo] = useState<CallStateInfo>({});
  const [peer, setPeer] = useState<PeerInfo | null>(null);
  const [hasRemote, setHasRemote] = useState(false);
  const [muted, setMuted] = useState(false);
  const [levels, setLevels] = useState<[number, number]>([-100, -100]);
  const [echo, setEcho] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [recorder, setRecorder] = useState<TwoChannelRecorder | null>(null);
  const playback = useRef<HTMLAudioElement>(null);
  const call = useRef<ReturnType<typeof startCall> | null>(null);

  useEffect(() => {
    const rec = createTwoChannelRecorder({ local: props.microphone, store: props.store, sessionId: props.sessionId, onError: setError });
    setRecorder(rec);
    const c = startCall({
      base: props.base,
      sessionId: props.sessionId,
      token: props.token,
      localStream: props.microphone,
      onState: (s, i) => {
        setState(s);
        setInfo(i ?? {});
        if (i?.refusal) setRefusal(i.refusal);
      },
      onPeer: setPeer,
      onRemoteStream: (stream) => {
        rec.setRemote(stream);
        setHasRemote(!!stream);
        if (playback.current) playback.current.srcObject = stream;
      },
    });
    call.current = c;
    const echoMonitor = createEchoBleedMonitor({ frameSec: 0.1 });
    const t = setInterval(() => {
      const l = rec.levels();
      setLevels(l);
      setEcho(echoMonitor.push(l));
    }, 100);
    return () => {
      clearInterval(t);
      c.hangUp();
      void rec.close();
    };
  }, [props.base, props.token, props.sessionId, props.microphone, props.store]);

  const toggleMute = () => {
    const next = !muted;
    for (const t of props.microphone.getAudioTracks()) t.enabled = !next;
    setMuted(next);
  };
  const hangUp = () => {
    call.current?.hangUp();
    props.onEnded?.();
  };
  const connected = state === 'connected' && hasRemote;

  return (
    <section aria-labelledby="call-h" className="call">
      <h2 id="call-h">Call</h2>
      <p role="status" data-testid="call-state" data-state={state} data-attempt={info.attempt ?? 0} data-action={info.action} data-ice-restarts={info.iceRestarts ?? 0}>
        {stateText(state, info)}
        {peer && state !== 'refused' ? ` — ${peer.displayName}` : ''}
      </p>
      {refusal ? <ErrorMessage error={{ code: refusal.code, message: refusal.message }} context="You cannot join this call" /> : null}
      {state === 'failed' && info.error ? <ErrorMessage error={info.error} context="Call" /> : null}
      <ErrorMessage error={error} context="Recording" />
      <div className="meters">
        <LevelMeter label={`${props.localLabel} (you${muted ? ', muted' : ''})`} dbfs={muted ? -100 : levels[0]} />
        <LevelMeter label={peer?.displayName ?? 'Other participant'} dbfs={levels[1]} />
      </div>
      {echo ? (
        <p role="status" className="echo-hint" data-testid="echo-hint">
          Echo detected: your microphone picks up the other participant&apos;s voice. Use a headset.
        </p>
      ) : null}
      {recorder?.recording ? (
        <p className="rec-indicator" role="status" aria-live="off" data-testid="recording-indicator" data-started-at={recorder.startedAtEpochMs()}>
          <span aria-hidden="true">●</span> Recording <time data-testid="elapsed">{clock(recorder.elapsedSec())}</time>
        </p>
      ) : null}
      <audio ref={playback} autoPlay aria-label="Other participant's audio" />
      <div className="call-buttons">
        <button type="button" aria-pressed={muted} onClick={toggleMute} disabled={state === 'ended' || state === 'refused'}>
          {muted ? 'Unmute microphone' : 'Mute microphone'}
        </button>
        {recorder && props.children ? props.children({ recorder, connected, hangUp }) : null}
        <button type="button" onClick={hangUp} disabled={state === 'ended' || state === 'refused'}>
          Leave call
        </button>
      </div>
    </section>
  );
}
