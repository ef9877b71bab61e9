import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blobKeysOf, createLocalBlobStore } from '../blobs/local-blob-store';
import type { BlobRef } from '../blobs/blob-store';
import { createDataKeys } from '../crypto/data-keys';
import { addKeyVersion, createLocalKeyFileProvider, readKeyFile } from '../crypto/local-key-file';
import { createDatabase } from '../db/database';
import { createSessionWithParticipants, getSession } from '../db/repositories/sessions';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { seedOrg } from '../testing/test-orgs';
import { runKeysCommand } from './keys-command';

let t: TestDatabase;
let dir: string;
const orgs: { orgId: string; sessionId: string; blob: BlobRef }[] = [];

async function raw<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

async function keys(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  const error = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void err.push(String(m)));
  try {
    const code = await runKeysCommand([...args, '--database-url', t.url], { FE_DATA_DIR: path.join(dir, 'data'), FE_KEK_FILE: t.kekFile });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** A process started after the rotation: nothing cached, only the key file and the database. */
function freshReader() {
  const dataKeys = createDataKeys({ provider: createLocalKeyFileProvider({ file: t.kekFile }) });
  const db = createDatabase(t.url, { max: 1, keys: dataKeys });
  return { db, blobs: createLocalBlobStore({ rootDir: path.join(dir, 'blobs'), keys: blobKeysOf(db, dataKeys) }) };
}

async function readsEverything() {
  const r = freshReader();
  try {
    for (const o of orgs) {
      expect((await r.db.withOrg(o.orgId, (tx) => getSession(tx, o.sessionId)))?.participants[1]?.displayName).toBe(`Patient of ${o.orgId.slice(0, 4)}`);
      expect(Buffer.from(await r.blobs.getBytes(o.orgId, o.blob)).toString()).toBe(`report of ${o.orgId}`);
    }
  } finally {
    await r.db.close();
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fe-keys-cli-'));
  const blobs = t.blobStore(path.join(dir, 'blobs'));
  for (const name of ['Rotation A', 'Rotation B']) {
    const { orgId, userId } = await seedOrg(t.db, { name });
    const s = await t.db.withOrg(orgId, (tx) =>
      createSessionWithParticipants(tx, { title: 'Visit', rubricId: 'mi', createdBy: userId, participants: [{ channel: 0, displayName: 'Dr. X', roleLabel: 'Clinician' }, { channel: 1, displayName: `Patient of ${orgId.slice(0, 4)}`, roleLabel: 'Patient' }] }),
    );
    const blob = await blobs.putBytes(orgId, `evaluations/${s.id}/report.pdf`, new TextEncoder().encode(`report of ${orgId}`));
    orgs.push({ orgId, sessionId: s.id, blob });
  }
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('feedback keys', () => {
  it('rotates by re-wrapping the data keys under a new KEK version, without re-encrypting any data; the old version can then be retired', async () => {
    const before = await raw<{ id: string; kek_version: string; wrapped_key: Buffer }>('SELECT id, kek_version, wrapped_key FROM data_keys ORDER BY id');
    expect(before.map((r) => r.kek_version)).toEqual(['1', '1']);
    const sealedBefore = await raw<{ id: string; display_name_sealed: Buffer }>('SELECT id, display_name_sealed FROM participants ORDER BY id');
    const blobBytes = orgs.map((o) => readFileSync(path.join(dir, 'blobs', o.orgId, `evaluations/${o.sessionId}/report.pdf`)));

    expect((await keys('retire', '1')).code).toBe(1); // the current version

    const rotated = await keys('rotate');
    expect(rotated).toMatchObject({ code: 0, out: expect.stringMatching(/re-wrapped 2 data key\(s\) under local-file version 2 \(0 already were\)/) });
    const after = await raw<{ id: string; kek_version: string; wrapped_key: Buffer; rewrapped_at: Date | null }>('SELECT id, kek_version, wrapped_key, rewrapped_at FROM data_keys ORDER BY id');
    expect(after.map((r) => [r.id, r.kek_version])).toEqual(before.map((r) => [r.id, '2']));
    after.forEach((r, i) => expect(r.wrapped_key.equals(before[i]!.wrapped_key)).toBe(false));
    expect(after.every((r) => r.rewrapped_at !== null)).toBe(true);
    // The data is untouched: same sealed bytes, same blob files.
    expect(await raw('SELECT id, display_name_sealed FROM participants ORDER BY id')).toEqual(sealedBefore);
    orgs.forEach((o, i) => expect(readFileSync(path.join(dir, 'blobs', o.orgId, `evaluations/${o.sessionId}/report.pdf`)).equals(blobBytes[i]!)).toBe(true));
    await readsEverything();

    expect(await keys('status')).toMatchObject({ code: 0, out: expect.stringMatching(/current: local-file version 2[\s\S]*local-file version 2: wraps 2 data key/) });
    expect(await keys('retire', '1')).toMatchObject({ code: 0, out: expect.stringMatching(/retired version 1/) });
    expect(Object.keys((await readKeyFile(t.kekFile)).versions)).toEqual(['2']);
    await readsEverything();
    // New data keys are wrapped with the new version.
    const { orgId } = await seedOrg(t.db, { name: 'Rotation C' });
    await t.db.withOrg(orgId, (tx) => t.keys.current(tx));
    expect((await raw<{ kek_version: string }>('SELECT kek_version FROM data_keys WHERE org_id = $1', [orgId]))[0]?.kek_version).toBe('2');
  });

  it('refuses to retire a version that still wraps a data key', async () => {
    await addKeyVersion(t.kekFile); // version 3 is current, every data key is still wrapped by 2
    expect(await keys('retire', '2')).toMatchObject({ code: 1, err: expect.stringMatching(/still wraps 3 data key\(s\)/) });
    expect(Object.keys((await readKeyFile(t.kekFile)).versions)).toEqual(['2', '3']);
    await readsEverything();
    expect((await keys('rotate')).code).toBe(0);
    expect((await keys('retire', '2')).code).toBe(0);
    expect((await keys('retire', '3')).code).toBe(0);
    await readsEverything();
  });

  it('prints its usage for an unknown sub-command', async () => {
    expect((await keys('shred')).code).toBe(2);
  });
});
