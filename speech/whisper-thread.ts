import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs @napi-rs/whisper in a worker thread. Its `full()` is synchronous (it would block the
 * event loop for seconds) and it reports segments only through a thread-safe callback that is
 * delivered after `full()` returns, so the worker waits until the delivered segments add up to
 * the returned text: they are queued by then and arrive within a turn or two of the worker's event
 * loop, so it yields turns first and gives up after a short bound (a mismatch must not cost every
 * call seconds). Terminating the worker also frees the callback, which otherwise keeps a
 * process alive. The worker source is inline JavaScript so it needs no TypeScript loader.
 */

export interface WhisperWord {
  text: string;
  /** Seconds from the start of the window. */
  start: number;
  end: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Whisper, WhisperFullParams, WhisperSamplingStrategy } = require(workerData.bindingPath);
let whisper;
try {
  whisper = new Whisper(workerData.modelPath, { useGpu: false });
  parentPort.postMessage({ type: 'ready' });
} catch (e) {
  parentPort.postMessage({ type: 'fatal', error: String((e && e.message) || e) });
}
const squash = (s) => s.replace(/\\s+/g, '');
parentPort.on('message', async (msg) => {
  try {
    const p = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
    p.language = 'en';
    p.nThreads = workerData.threads;
    p.printProgress = false;
    p.printRealtime = false;
    p.printTimestamps = false;
    p.printSpecial = false;
    p.noContext = true;
    p.tokenTimestamps = true;
    p.maxLen = 1;
    p.splitOnWord = true;
    if (msg.audioCtx > 0) p.audioCtx = msg.audioCtx;
    if (msg.maxTokens > 0) p.maxTokens = msg.maxTokens;
    const words = [];
    p.onNewSegment = (s) => words.push(s);
    const text = whisper.full(p, msg.pcm);
    const want = squash(text);
    const giveUpAt = Date.now() + 250;
    for (let i = 0; squash(words.map((w) => w.text).join('')) !== want && Date.now() < giveUpAt; i++) {
      await new Promise((r) => (i < 20 ? setImmediate(r) : setTimeout(r, 5)));
    }
    parentPort.postMessage({ type: 'result', id: msg.id, text, words: words.map((w) => ({ text: w.text, start: w.start / 100, end: w.end / 100 })) });
  } catch (e) {
    parentPort.postMessage({ type: 'error', id: msg.id, error: String((e && e.message) || e) });
  }
});
`;

type Reply =
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'result'; id: number; text: string; words: WhisperWord[] }
  | { type: 'error'; id: number; error: string };

/** Whisper's encoder runs at 50 frames per second of audio, up to 1500 (30 s). */
const FRAMES_PER_SEC = 50;
const FULL_AUDIO_CTX = 1500;

/**
 * An encoder context that covers `sec` of audio with a margin: whisper.cpp otherwise encodes 30 s
 * whatever the window, which is most of the cost of a short window. Below ~3 s tiny.en gets
 * unreliable, hence the floor.
 */
export function audioCtxFor(sec: number, opts: { marginSec?: number; minSec?: number } = {}): number {
  const covered = Math.max(sec + (opts.marginSec ?? 1), opts.minSec ?? 3);
  return Math.min(FULL_AUDIO_CTX, Math.ceil(covered * FRAMES_PER_SEC));
}

export class WhisperThread {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: { text: string; words: WhisperWord[] }) => void; reject: (e: Error) => void }>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: { modelPath: string; threads: number }) {
    const bindingPath = createRequire(import.meta.url).resolve('@napi-rs/whisper');
    // whisper.cpp logs every model load and decode to stderr; keep it out of the app's output.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bindingPath, modelPath: opts.modelPath, threads: opts.threads }, stdout: true, stderr: true });
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: Reply) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'fatal') reject(new Error(m.error));
        else {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.type === 'result') p?.resolve({ text: m.text, words: m.words });
          else p?.reject(new Error(m.error));
        }
      });
      this.worker.on('error', (e) => {
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.worker.on('exit', (code) => {
        const e = new Error(`whisper worker exited with code ${code}`);
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    });
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /**
   * Transcribes one window of 16 kHz mono audio; calls are serialised (one whisper state).
   * `audioCtx`: encoder frames (50 per second, 1500 = 30 s); 0 or absent = the full 30 s. Audio past
   * it is not heard, so it must cover the window (see `audioCtxFor`).
   * `maxTokens`: at most this many tokens per decoding pass (0 or absent = no limit). It bounds the
   * cost of a decoder caught in a repetition loop, which otherwise runs to the text context limit at
   * every fallback temperature (seconds to tens of seconds on a 1.5 s window).
   */
  transcribe(pcm: Float32Array, opts: { audioCtx?: number; maxTokens?: number } = {}): Promise<{ text: string; words: WhisperWord[] }> {
    if (this.closed) return Promise.reject(new Error('whisper thread is closed'));
    const run = async (): Promise<{ text: string; words: WhisperWord[] }> => {
      await this.ready;
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ id, pcm, audioCtx: opts.audioCtx ?? 0, maxTokens: opts.maxTokens ?? 0 });
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.worker.terminate();
  }
}
