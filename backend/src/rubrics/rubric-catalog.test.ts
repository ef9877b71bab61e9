import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rubricCodes, rubricItems } from '../../../app/rubric/rubric';
import { defaultRubricDir, getRubric, listRubrics } from './rubric-catalog';

describe('bundled rubric templates', () => {
  it('parses every file in resources/rubrics with unique ids', async () => {
    const files = (await readdir(defaultRubricDir)).filter((f) => f.endsWith('.json'));
    const rubrics = await listRubrics();
    expect(rubrics).toHaveLength(files.length);
    expect(new Set(rubrics.map((r) => r.id)).size).toBe(rubrics.length);
    for (const r of rubrics) expect(r.attribution).toMatch(/wording is our own; not a validated instrument/);
  });

  it('has a general communication rubric of scored items on 1–5 scales', async () => {
    const r = await getRubric('communication-general');
    expect(rubricItems(r).length).toBeGreaterThanOrEqual(8);
    for (const item of rubricItems(r)) expect(item.scale).toMatchObject({ min: 1, max: 5 });
  });

  it('has a motivational interviewing rubric with four global scores, a code per clinician utterance and indicators from the counts', async () => {
    const r = await getRubric('motivational-interviewing');
    expect(r.version).toBe('2.2.0');
    expect(rubricItems(r).map((i) => i.id)).toEqual(['cultivating_change_talk', 'softening_sustain_talk', 'partnership', 'empathy']);
    expect(rubricCodes(r).map((c) => c.id)).toEqual(['open_question', 'closed_question', 'simple_reflection', 'complex_reflection', 'affirm', 'seeking_collaboration', 'emphasizing_autonomy', 'giving_information', 'persuade', 'persuade_with_permission', 'confront', 'other']);
    expect(r.coding!.indicators.map((i) => i.id)).toEqual(['reflection_to_question', 'percent_complex_reflections', 'percent_open_questions', 'mi_adherent', 'mi_non_adherent', 'percent_mi_adherent']);
  });

  it('gives the general rubric a code book with questions, summaries, empathy, signposting, understanding checks and jargon', async () => {
    const r = await getRubric('communication-general');
    expect(rubricCodes(r).map((c) => c.id)).toEqual(expect.arrayContaining(['open_question', 'closed_question', 'summary', 'empathic_statement', 'signposting', 'checking_understanding', 'jargon', 'other']));
    for (const c of rubricCodes(r)) expect(c.definition.length).toBeGreaterThan(20);
  });

  it('keeps every section small enough for one call to a small local model', async () => {
    for (const r of await listRubrics()) for (const s of r.sections) expect(s.items.length).toBeLessThanOrEqual(4);
  });
});

describe('rubric catalog errors', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'rubrics-'));
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('throws rubric.not_found for an unknown or malformed id', async () => {
    await expect(getRubric('no-such-rubric')).rejects.toMatchObject({ code: 'rubric.not_found' });
    await expect(getRubric('../package')).rejects.toMatchObject({ code: 'rubric.not_found' });
  });

  it('throws rubric.invalid for a broken file, naming the file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'broken.json'), '{ "id": ');
    await expect(listRubrics(dir)).rejects.toMatchObject({ code: 'rubric.invalid', message: expect.stringContaining('broken.json') });
  });

  it('refuses a file whose name is not its id', async () => {
    const dir = await tempDir();
    const r = await getRubric('communication-general');
    await writeFile(path.join(dir, 'other-name.json'), JSON.stringify(r));
    await expect(listRubrics(dir)).rejects.toMatchObject({ code: 'rubric.invalid', message: expect.stringContaining('name it communication-general.json') });
  });
});
