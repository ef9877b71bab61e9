import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Id } from '../../app/contracts/api';
import { DraftTranscript } from '../../app/contracts/ipc/drafts';
import type { Segment } from '../../app/transcript/transcript';
import { readJsonFile } from './atomic-file';
import { readSealedFile, writeSealedFile } from './sealed-file';
import type { EncryptionKeyStore } from './storage-key';

export interface DraftStore {
  get(sessionId: string): Promise<DraftTranscript>;
  append(sessionId: string, segments: Segment[], opts?: { complete?: boolean; engine?: DraftTranscript['engine'] }): Promise<DraftTranscript>;
  replace(sessionId: string, segments: Segment[], opts?: { complete?: boolean; engine?: DraftTranscript['engine'] }): Promise<DraftTranscript>;
}

const byTime = (a: Segment, b: Segment) => a.start - b.start || a.channel - b.channel;

/**
 * Draft transcripts, one file per session, `<dataDir>/drafts/<sessionId>.json.enc`: the JSON sealed
 * with AES-256-GCM under the key store's data key, the path as associated data (sealed-file.ts).
 * Available offline. A plaintext `<sessionId>.json` from before decision 020 is read once, sealed
 * and removed.
 */
export function createDraftStore(opts: { dataDir: string; keys: EncryptionKeyStore; onChange?: (e: { draft: DraftTranscript; added: Segment[]; replaced: boolean }) => void }): DraftStore {
  const locks = new Map<string, Promise<unknown>>();
  const legacyFileOf = (sessionId: string) => path.join(opts.dataDir, 'drafts', `${Id.parse(sessionId)}.json`);
  const fileOf = (sessionId: string) => path.join(opts.dataDir, 'drafts', `${Id.parse(sessionId)}.json.enc`);
  const aadOf = (sessionId: string) => `drafts/${Id.parse(sessionId)}.json.enc`;
  const empty = (sessionId: string): DraftTranscript => ({ sessionId, segments: [], complete: false, engine: null, updatedAt: null });

  function serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const run = (locks.get(sessionId) ?? Promise.resolve()).then(fn, fn);
    locks.set(sessionId, run.catch(() => undefined));
    return run;
  }
  async function read(sessionId: string): Promise<DraftTranscript> {
    const key = await opts.keys.dataKey();
    const sealed = await readSealedFile(fileOf(sessionId), key, aadOf(sessionId));
    if (sealed) return DraftTranscript.parse(JSON.parse(sealed.toString('utf8')));
    const legacy = await readJsonFile(legacyFileOf(sessionId), DraftTranscript);
    if (!legacy) return empty(sessionId);
    await seal(legacy);
    await rm(legacyFileOf(sessionId), { force: true });
    return legacy;
  }

  const seal = async (draft: DraftTranscript) => writeSealedFile(fileOf(draft.sessionId), await opts.keys.dataKey(), aadOf(draft.sessionId), Buffer.from(JSON.stringify(draft)));

  async function write(draft: DraftTranscript, added: Segment[], replaced: boolean): Promise<DraftTranscript> {
    await seal(draft);
    opts.onChange?.({ draft, added, replaced });
    return draft;
  }

  return {
    get: (sessionId) => serial(sessionId, () => read(sessionId)),
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
