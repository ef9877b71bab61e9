import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Segment } from '../../app/transcript/transcript';
import { createDraftStore } from './draft-store';
import { createAesGcmCipher } from './secret-store';
import { createWrappedKeyStore } from './storage-key';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fe-draftstore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);
const osKey = randomBytes(32);
const storeIn = (data: string) => createDraftStore({ dataDir: data, keys: createWrappedKeyStore({ file: path.join(data, 'data-key.json'), cipher: createAesGcmCipher(osKey) }) });
const seg = (text: string, start: number): Segment => ({ channel: 0, start, end: start + 1, text, words: [] });

describe('draft store at rest', () => {
  it('keeps drafts sealed (0600, no text in clear) and reads them back in a new instance', async () => {
    const data = mkdtempSync(path.join(dir, 'd-'));
    const id = randomUUID();
    await storeIn(data).append(id, [seg('the patient mentions chest pain', 0)]);
    const file = path.join(data, 'drafts', `${id}.json.enc`);
    expect(readFileSync(file).includes(Buffer.from('chest pain'))).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await storeIn(data).get(id);
    expect(again.segments.map((s) => s.text)).toEqual(['the patient mentions chest pain']);
  });

  it("refuses another session's draft copied over this one", async () => {
    const data = mkdtempSync(path.join(dir, 'd-'));
    const [a, b] = [randomUUID(), randomUUID()];
    const store = storeIn(data);
    await store.append(a, [seg('alpha', 0)]);
    await store.append(b, [seg('beta', 0)]);
    copyFileSync(path.join(data, 'drafts', `${a}.json.enc`), path.join(data, 'drafts', `${b}.json.enc`));
    expect(await codeOf(store.get(b))).toBe('crypto.integrity');
  });

  it('seals a plaintext draft an earlier version left and removes the plaintext', async () => {
    const data = mkdtempSync(path.join(dir, 'd-'));
    const id = randomUUID();
    mkdirSync(path.join(data, 'drafts'));
    const legacy = path.join(data, 'drafts', `${id}.json`);
    writeFileSync(legacy, JSON.stringify({ sessionId: id, segments: [seg('old words', 0)], complete: true, engine: null, updatedAt: null }));
    const store = storeIn(data);
    expect((await store.get(id)).segments.map((s) => s.text)).toEqual(['old words']);
    expect(existsSync(legacy)).toBe(false);
    expect(readFileSync(path.join(data, 'drafts', `${id}.json.enc`)).includes(Buffer.from('old words'))).toBe(false);
    expect((await store.append(id, [seg('new words', 2)])).segments.map((s) => s.text)).toEqual(['old words', 'new words']);
  });
});
