import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../../../app/contracts/errors';
import { parseRubric } from '../../../app/rubric/parse-rubric';
import type { Rubric } from '../../../app/rubric/rubric';
import { resourcesDir } from '../paths';

/** Where the bundled rubric templates live; callers may pass another folder (e.g. an org's own). */
export const defaultRubricDir = path.join(resourcesDir, 'rubrics');

/**
 * Every rubric template in the folder (`<id>.json`), validated, sorted by id. A file whose name
 * is not its id, or an id used twice, is an error: ids are what sessions and reports refer to.
 */
export async function listRubrics(dir: string = defaultRubricDir): Promise<Rubric[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const rubrics: Rubric[] = [];
  for (const file of files) {
    const rubric = await loadRubricFile(path.join(dir, file));
    if (`${rubric.id}.json` !== file) throw new AppError('rubric.invalid', `Rubric file ${file} holds id "${rubric.id}": name it ${rubric.id}.json`);
    rubrics.push(rubric);
  }
  return rubrics.sort((a, b) => a.id.localeCompare(b.id));
}

/** One rubric by id; AppError('rubric.not_found') when there is none. */
export async function getRubric(id: string, dir: string = defaultRubricDir): Promise<Rubric> {
  if (!/^[a-z0-9_-]+$/.test(id)) throw new AppError('rubric.not_found', `No rubric "${id}"`);
  try {
    return await loadRubricFile(path.join(dir, `${id}.json`));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('rubric.not_found', `No rubric "${id}"`, { cause: e });
    throw e;
  }
}

async function loadRubricFile(file: string): Promise<Rubric> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AppError('rubric.invalid', `${path.basename(file)} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  try {
    return parseRubric(json);
  } catch (e) {
    if (isAppError(e)) throw new AppError(e.code, `${path.basename(file)}: ${e.message}`, { cause: e, details: e.details });
    throw e;
  }
}
