import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';

/** Event histories of real runs of the current workflows (scripts/workflows/record-histories.test.ts writes them). */
export const HISTORIES_DIR = fileURLToPath(new URL('./histories', import.meta.url));
mkdirSync(HISTORIES_DIR, { recursive: true });

export type RecordedHistory = temporal.api.history.v1.History;

/** Each recorded history by its file name (without .binpb), decoded from protobuf binary. */
export function recordedHistories(): { name: string; history: RecordedHistory }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.binpb'))
    .sort()
    .map((f) => ({ name: path.basename(f, '.binpb'), history: temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, f))) }));
}
