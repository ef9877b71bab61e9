import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../../app/contracts/errors';
import type { Rubric } from '../../../../app/rubric/rubric';
import type { TranscriptUnit } from '../../../../app/transcript/units';
import { setupEmbeddingModel } from '../../../../scripts/setup/embedding-model';
import { defaultDataDir } from '../../paths';
import { getRubric } from '../../rubrics/rubric-catalog';
import { openClassifierCoder, type ClosableCoder } from './open-classifier-coder';
import { classifierWeightsPath, defaultCoderDir } from './classifier-weights';

const units: TranscriptUnit[] = [
  { id: 'u1', channel: 1, start: 0, end: 3, text: "I've been getting these headaches most mornings." },
  { id: 'u2', channel: 0, start: 3.5, end: 5, text: 'What do you think is behind them?' },
  { id: 'u3', channel: 1, start: 5.5, end: 8, text: "Probably the screen at work, I'm on it all day." },
  { id: 'u4', channel: 0, start: 8.5, end: 10, text: 'Do you take anything for them?' },
  { id: 'u5', channel: 1, start: 10.5, end: 11, text: 'Paracetamol.' },
  { id: 'u6', channel: 0, start: 11.5, end: 14, text: 'Paracetamol is fine to take, up to eight tablets in a day.' },
];

const codeOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (isAppError(e) ? e.code : String(e)),
  );

describe('the classifier coder with the stored weights and the real embedding model', () => {
  let coder: ClosableCoder;
  let mi: Rubric;
  let general: Rubric;
  const scratch: string[] = [];
  beforeAll(async () => {
    await setupEmbeddingModel({ dataDir: defaultDataDir });
    [mi, general] = await Promise.all([getRubric('motivational-interviewing'), getRubric('communication-general')]);
    coder = await openClassifierCoder({ dataDir: defaultDataDir, rubricIds: [mi.id, general.id] });
  }, 300_000);
  afterAll(async () => {
    await coder?.close();
    await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('codes every clinician unit and only those, with codes of the book, and no model calls', async () => {
    const progress: number[] = [];
    const result = await coder.code({ units, book: mi.coding!, onProgress: (f) => progress.push(f) });
    expect(result.outcome.ok).toBe(true);
    const answer = result.outcome.ok ? result.outcome.answer : {};
    expect(Object.keys(answer)).toEqual(['u2', 'u4', 'u6']);
    for (const code of Object.values(answer)) expect(mi.coding!.codes.map((c) => c.id)).toContain(code);
    expect(result.usage.calls).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(coder.info.kind).toBe('classifier');
  });

  it('tells an open question from a closed one in both code books', async () => {
    for (const rubric of [mi, general]) {
      const result = await coder.code({ units, book: rubric.coding! });
      const answer = result.outcome.ok ? result.outcome.answer : {};
      expect(answer, rubric.id).toMatchObject({ u2: 'open_question', u4: 'closed_question' })
      expect(answer.u6, rubric.id).not.toMatch(/question/);
    }
  });

  it('refuses a code book it was not trained for with coder.weights_missing', async () => {
    const book = { ...mi.coding!, codes: mi.coding!.codes.slice(1) };
    expect(await codeOf(coder.code({ units, book }))).toBe('coder.weights_missing');
  });

  it('names missing, damaged and edited weights files before coding anything', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fe-coder-'));
    scratch.push(dir);
    const open = () => openClassifierCoder({ dataDir: defaultDataDir, rubricIds: [mi.id], weightsDir: dir });
    expect(await codeOf(open())).toBe('coder.weights_missing');

    const file = classifierWeightsPath(mi.id, dir);
    await writeFile(file, '{"format": "fe-utterance-classifier", "ver');
    expect(await codeOf(open())).toBe('coder.weights_invalid');

    const stored = JSON.parse(await readFile(classifierWeightsPath(mi.id, defaultCoderDir), 'utf8')) as { model: { bias: number[] }; embedding: { sha256: string }; checksum: string };
    stored.model.bias[0] = stored.model.bias[0]! + 1;
    await writeFile(file, JSON.stringify(stored));
    expect(await codeOf(open())).toMatch(/^coder\.weights_invalid$/);

    await copyFile(classifierWeightsPath(mi.id, defaultCoderDir), file);
    const other = await open();
    await other.close();
  }, 120_000);
});
