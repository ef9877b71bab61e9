import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tokenToBytes } from './byte-level-vocab';
import { floatToHalf, parseCt2Model, toFloat32 } from './ct2-model';
import { melFilterbank } from './mel-filterbank';

/** Writes a model.bin the way CTranslate2's ModelSpec._serialize does. */
function ct2Bin(vars: Array<{ name: string; shape: number[]; dtype: number; data: Buffer }>, aliases: Array<[string, string]> = []): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const str = (s: string) => { const b = Buffer.alloc(2); b.writeUInt16LE(Buffer.byteLength(s) + 1); parts.push(b, Buffer.from(s), Buffer.from([0])); };
  u32(6); str('WhisperSpec'); u32(3); u32(vars.length);
  for (const v of vars) {
    str(v.name); parts.push(Buffer.from([v.shape.length])); v.shape.forEach(u32);
    parts.push(Buffer.from([v.dtype])); u32(v.data.length); parts.push(v.data);
  }
  u32(aliases.length);
  for (const [a, t] of aliases) { str(a); str(t); }
  return Buffer.concat(parts);
}

describe('CTranslate2 model reader', () => {
  it('reads names, shapes, dtypes, data and aliases', () => {
    const half = Buffer.alloc(4);
    half.writeUInt16LE(floatToHalf(1.5), 0);
    half.writeUInt16LE(floatToHalf(-0.25), 2);
    const m = parseCt2Model(ct2Bin([{ name: 'decoder/embeddings/weight', shape: [1, 2], dtype: 4, data: half }], [['decoder/projection/weight', 'decoder/embeddings/weight']]));
    expect(m.specName).toBe('WhisperSpec');
    expect(m.variables.get('decoder/embeddings/weight')).toMatchObject({ shape: [1, 2], dtype: 'float16' });
    expect(Array.from(toFloat32(m.variables.get('decoder/projection/weight')!))).toEqual([1.5, -0.25]);
  });

  it('dequantizes int8 rows with their weight scale', () => {
    const q = Buffer.from(Int8Array.from([127, -64, 10, 20]).buffer);
    const scale = Buffer.from(Float32Array.from([127, 10]).buffer);
    const m = parseCt2Model(ct2Bin([
      { name: 'w/weight', shape: [2, 2], dtype: 1, data: q },
      { name: 'w/weight_scale', shape: [2], dtype: 0, data: scale },
    ]));
    expect(Array.from(toFloat32(m.variables.get('w/weight')!, m.variables.get('w/weight_scale')))).toEqual([1, Math.fround(-64 / 127), 1, 2]);
  });

  it('rejects a truncated file', () => {
    const full = ct2Bin([{ name: 'x', shape: [4], dtype: 0, data: Buffer.alloc(16) }]);
    expect(() => parseCt2Model(full.subarray(0, full.length - 10))).toThrow(/truncated/);
  });
});

describe('conversion helpers', () => {
  it('rounds floats to IEEE half like numpy', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
  });

  it('maps GPT-2 byte-level tokens back to raw bytes', () => {
    expect(Array.from(tokenToBytes('Ġthe'))).toEqual([0x20, 0x74, 0x68, 0x65]);
    expect(Array.from(tokenToBytes('Ċ'))).toEqual([0x0a]);
    expect(Buffer.from(tokenToBytes('Ã©')).toString('utf8')).toBe('é');
  });

  it("computes Whisper's 80-bin Slaney mel filterbank", () => {
    const f = melFilterbank({ sampleRate: 16000, nFft: 400, nMels: 80 });
    expect(f).toHaveLength(80);
    expect(f[0]).toHaveLength(201);
    // values of whisper's mel_filters.npz (librosa.filters.mel(sr=16000, n_fft=400, n_mels=80))
    expect(f[0]![1]).toBeCloseTo(0.02486, 5);
    expect(f[0]![0]).toBe(0);
    // Slaney normalisation gives each triangle unit area over Hz; wide (upper) filters are
    // sampled finely enough by the 40 Hz bins for the sum to show it.
    for (const row of f.slice(60)) expect(Math.abs(row.reduce((a, b) => a + b, 0) * 40 - 1)).toBeLessThan(0.05);
  });
});

describe('convertCt2WhisperToGgml on the real wheel', () => {
  it('writes a ggml file whose header, mel filters and vocabulary match tiny.en', async () => {
    const { setupWhisperModel } = await import('../../../../scripts/setup/whisper-model');
    const { defaultDataDir } = await import('../../paths');
    const { modelPath } = await setupWhisperModel({ dataDir: defaultDataDir });
    const buf = readFileSync(modelPath);
    const ints = Array.from({ length: 12 }, (_, i) => buf.readInt32LE(i * 4));
    expect(ints).toEqual([0x67676d6c, 51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1]);
    expect([buf.readInt32LE(48), buf.readInt32LE(52)]).toEqual([80, 201]);
    const vocabAt = 56 + 80 * 201 * 4;
    expect(buf.readInt32LE(vocabAt)).toBe(50256);
    const firstLen = buf.readInt32LE(vocabAt + 4);
    expect(buf.subarray(vocabAt + 8, vocabAt + 8 + firstLen).toString()).toBe('!');
  }, 300_000);
});
