import path from 'node:path';
import { Id } from '../../app/contracts/api';
import { DraftTranscript } from '../../app/contracts/ipc/drafts';
import type { Segment } from '../../app/transcript/transcript';
import { readJsonFile, writeJsonAtomic } from './atomic-file';

export interface DraftStore {
  get(sessionId: string): Promise<DraftTranscript>;
  append(sessionId: string, segments: Segment[], opts?: { complete?: boolean; engine?: DraftTranscript['engine'] }): Promise<DraftTranscript>;
  replace(sessionId: string, segments: Segment[], opts?: { complete?: boolean; engine?: DraftTranscript['engine'] }): Promise<DraftTranscript>;
}

const byTime = (a: Segment, b: Segment) => a.start - b.start || a.channel - b.channel;

/** Draft transcripts, one JSON file per session under `<dataDir>/drafts/`; available offline. */
export function createDraftStore(opts: { dataDir: string; onChange?: (e: { draft: DraftTranscript; added: Segment[]; replaced: boolean }) => void }): DraftStore {
  const locks = new Map<string, Promise<unknown>>();
  const fileOf = (sessionId: string) => path.join(opts.dataDir, 'drafts', `${Id.parse(sessionId)}.json`);
  const empty = (sessionId: string): DraftTranscript => ({ sessionId, segments: [], complete: false, engine: null, updatedAt: null });

  function serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const run = (locks.get(sessionId) ?? Promise.resolve()).then(fn, fn);
    locks.set(sessionId, run.catch(() => undefined));
    return run;
  }
  const read = async (sessionId: string) => (await readJsonFile(fileOf(sessionId), DraftTranscript)) ?? empty(sessionId);

  async function write(draft: DraftTranscript, added: Segment[], replaced: boolean): Promise<DraftTranscript> {
    await writeJsonAtomic(fileOf(draft.sessionId), draft);
    opts.onChange?.({ draft, added, replaced });
    return draft;
  }

  return {
    get: (sessionId) => read(sessionId),
    append(sessionId, segments, o = {}) {
      return serial(sessionId, async () => {
        const d = await read(sessionId);
        const next: DraftTranscript = {
          ...d,
          segments: [...d.segments, ...segments].sort(byTime),
          complete: o.complete ?? d.complete,
          engine: o.engine ?? d.engine,
          updatedAt: new Date().toISOString(),
        };
        return write(next, segments, false);
      });
    },
    replace(sessionId, segments, o = {}) {
      return serial(sessionId, async () => {
        const d = await read(sessionId);
        const next: DraftTranscript = { ...d, segments: [...segments].sort(byTime), complete: o.complete ?? true, engine: o.engine ?? d.engine, updatedAt: new Date().toISOString() };
        return write(next, segments, true);
      });
    },
  };
}
