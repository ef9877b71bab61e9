import type { FinishedRecording, RecordingStore } from '../platform/platform';
import { levelOf } from './level-meter';

export const RECORDING_MIME = 'audio/webm;codecs=opus';
/** Each chunk reaches the store within this interval: what a crash can lose at most (plus one write). */
export const TIMESLICE_MS = 500;

/** 16 kHz mono audio of both channels over the same span of time (channel 0, channel 1). */
export type Pcm16kListener = (channel0: Float32Array, channel1: Float32Array) => void;

/**
 * The session owner's recorder: channel 0 = the local microphone (as captured, after echo
 * cancellation), channel 1 = the remote participant's track as received, before playback. Merged
 * into one stereo stream and encoded as Opus/WebM; every chunk is handed to the recording store.
 * With `onPcm16k`, an AudioWorklet also hands both channels at 16 kHz to the live draft from the
 * same moment on.
 */
export function createTwoChannelRecorder(opts: { local: MediaStream; store: RecordingStore; sessionId: string; onError: (e: unknown) => void }) {
  const ctx = new AudioContext({ latencyHint: 'interactive' });
  const merger = ctx.createChannelMerger(2);
  const dest = ctx.createMediaStreamDestination();
  dest.channelCount = 2;
  merger.connect(dest);
  const analysers = [ctx.createAnalyser(), ctx.createAnalyser()] as const;
  for (const a of analysers) a.fftSize = 1024;
  const buf = new Float32Array(1024);

  const local = ctx.createMediaStreamSource(opts.local);
  local.connect(merger, 0, 0);
  local.connect(analysers[0]);

  let remote: MediaStreamAudioSourceNode | null = null;
  let tap: AudioWorkletNode | null = null;
  // Chromium feeds a remote WebRTC stream to Web Audio only while a media element plays it too.
  const sink = document.createElement('audio');
  sink.muted = true;
  sink.autoplay = true;

  let recorder: MediaRecorder | null = null;
  let seq = 0;
  let writes: Promise<void> = Promise.resolve();
  let startedAt = 0;
  let stoppedAt = 0;

  return {
    setRemote(stream: MediaStream | null) {
      remote?.disconnect();
      remote = null;
      sink.srcObject = stream;
      if (!stream) return;
      void sink.play().catch(() => undefined);
      remote = ctx.createMediaStreamSource(stream);
      remote.connect(merger, 0, 1);
      remote.connect(analysers[1]);
      if (tap) remote.connect(tap, 0, 1);
    },
    /** [channel 0, channel 1] in dBFS. */
    levels: (): [number, number] => [levelOf(analysers[0], buf), levelOf(analysers[1], buf)],
    /** Wall-clock start of the recording (ms since the epoch), 0 before it starts. */
    startedAtEpochMs: () => (startedAt ? Math.round(performance.timeOrigin + startedAt) : 0),
    elapsedSec: () => (startedAt ? ((stoppedAt || performance.now()) - startedAt) / 1000 : 0),
    get recording() {
      return recorder?.state === 'recording';
    },
    async start(startOpts: { onPcm16k?: Pcm16kListener } = {}) {
      await ctx.resume();
      await opts.store.start(opts.sessionId, RECORDING_MIME);
      if (startOpts.onPcm16k) tap = await openPcmTap(ctx, local, remote, startOpts.onPcm16k);
      seq = 0;
      const r = new MediaRecorder(dest.stream, { mimeType: RECORDING_MIME, audioBitsPerSecond: 128_000 });
      r.ondataavailable = (e) => {
        if (e.data.size === 0) return;
        const n = seq++;
        writes = writes.then(async () => opts.store.append(opts.sessionId, n, new Uint8Array(await e.data.arrayBuffer()))).catch((err) => opts.onError(err));
      };
      recorder = r;
      r.start(TIMESLICE_MS);
      startedAt = performance.now();
      stoppedAt = 0;
    },
    async stop(): Promise<FinishedRecording> {
      const r = recorder;
      if (r && r.state !== 'inactive') {
        await new Promise<void>((resolve) => {
          r.onstop = () => resolve();
          r.stop();
        });
      }
      stoppedAt = performance.now();
      await flushTap(tap);
      tap?.disconnect();
      tap = null;
      await writes;
      return opts.store.finish(opts.sessionId);
    },
    async close() {
      if (recorder && recorder.state !== 'inactive') recorder.stop();
      remote?.disconnect();
      local.disconnect();
      tap?.disconnect();
      sink.srcObject = null;
      await ctx.close();
    },
  };
}
export type TwoChannelRecorder = ReturnType<typeof createTwoChannelRecorder>;

/** The microphone with echo cancellation on (channel 0 must not carry the far end's voice). */
export function openMicrophone(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false, channelCount: 1 }, video: false });
}

/** The worklet module is built beside app.js (scripts/build-web.ts). */
async function openPcmTap(ctx: AudioContext, local: AudioNode, remote: AudioNode | null, listener: Pcm16kListener): Promise<AudioWorkletNode> {
  await ctx.audioWorklet.addModule(new URL('pcm-tap-worklet.js', document.baseURI).href);
  // No outputs: Chromium pulls such a node by itself, and nothing of it reaches the speakers.
  const node = new AudioWorkletNode(ctx, 'pcm-tap', { numberOfInputs: 2, numberOfOutputs: 0, channelCountMode: 'explicit', channelCount: 1 });
  node.port.onmessage = (e: MessageEvent<{ channels?: [Float32Array, Float32Array] }>) => {
    if (e.data.channels) listener(e.data.channels[0], e.data.channels[1]);
  };
  local.connect(node, 0, 0);
  remote?.connect(node, 0, 1);
  return node;
}

/** The last fraction of a chunk still in the worklet reaches the listener before this resolves. */
function flushTap(node: AudioWorkletNode | null): Promise<void> {
  if (!node) return Promise.resolve();
  return new Promise((resolve) => {
    const prev = node.port.onmessage;
    node.port.onmessage = (e: MessageEvent<{ flushed?: boolean }>) => {
      prev?.call(node.port, e);
      if (e.data.flushed) resolve();
    };
    node.port.postMessage('flush');
    // A closed context never answers.
    setTimeout(resolve, 2000);
  });
}
