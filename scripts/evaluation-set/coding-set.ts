/**
 * The labelled coding set (bench/evaluation-set/coding.jsonl): clinician utterances in context,
 * each with one code from the Motivational Interviewing code set and one from the general
 * communication code set. The benchmark reads it through `loadCodingSet`; the codes are checked
 * against the codebooks in resources/rubrics/ by `checkAgainstCodebooks`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot, resourcesDir } from '../../backend/src/paths';

export const evaluationSetDir = path.join(repoRoot, 'bench', 'evaluation-set');
export const codingSetPath = path.join(evaluationSetDir, 'coding.jsonl');

/** The two rubrics whose code sets the items are labelled with, by the item field that holds the code. */
export const CODE_SETS = { mi: 'motivational-interviewing', general: 'communication-general' } as const;
export type CodeSetField = keyof typeof CODE_SETS;

export const ContextTurn = z.strictObject({
  speaker: z.enum(['patient', 'clinician']),
  text: z.string().trim().min(1),
});
export type ContextTurn = z.infer<typeof ContextTurn>;

export const CodingItem = z.strictObject({
  id: z.string().regex(/^c\d{4}$/, 'ids look like c0001'),
  scenario: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'scenario ids are short kebab-case names'),
  /** The turns before the utterance, oldest first; consecutive sentences of one speaker form one turn. */
  context: z.array(ContextTurn).min(1).max(4),
  /** The clinician utterance: one sentence or short utterance (a transcript unit). */
  text: z.string().trim().min(1),
  mi: z.string().min(1),
  general: z.string().min(1),
  split: z.enum(['train', 'test']),
  /** Why the label was chosen, for borderline cases. */
  note: z.string().min(1).optional(),
});
export type CodingItem = z.infer<typeof CodingItem>;

export class CodingSetError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses JSONL text (one item a line, blank lines allowed) and reports every bad line by number. */
export function parseCodingSet(text: string): CodingItem[] {
  const items: CodingItem[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      problems.push(`line ${i + 1}: not JSON (${(e as Error).message})`);
      return;
    }
    const parsed = CodingItem.safeParse(json);
    if (parsed.success) items.push(parsed.data);
    else problems.push(...parsed.error.issues.map((issue) => `line ${i + 1}: ${issue.path.join('.') || '(item)'}: ${issue.message}`));
  });
  if (problems.length) throw new CodingSetError('invalid coding set', problems);
  return items;
}

export async function loadCodingSet(file = codingSetPath): Promise<CodingItem[]> {
  return parseCodingSet(await readFile(file, 'utf8'));
}

const Codebook = z.object({
  id: z.string(),
  coding: z.object({ codes: z.array(z.object({ id: z.string(), title: z.string(), definition: z.string() })).min(1) }),
});

/** The code ids of each code set, in codebook order, read from the rubric files. */
export async function loadCodebooks(dir = path.join(resourcesDir, 'rubrics')): Promise<Record<CodeSetField, string[]>> {
  const read = async (rubricId: string) => {
    const book = Codebook.parse(JSON.parse(await readFile(path.join(dir, `${rubricId}.json`), 'utf8')));
    return book.coding.codes.map((c) => c.id);
  };
  return { mi: await read(CODE_SETS.mi), general: await read(CODE_SETS.general) };
}

/** Every label an item carries that its codebook does not define, as readable problems. */
export function checkAgainstCodebooks(items: CodingItem[], codebooks: Record<CodeSetField, string[]>): string[] {
  const problems: string[] = [];
  for (const item of items) {
    for (const field of Object.keys(CODE_SETS) as CodeSetField[]) {
      if (!codebooks[field].includes(item[field])) problems.push(`${item.id}: ${field} code "${item[field]}" is not in the ${CODE_SETS[field]} codebook`);
    }
  }
  return problems;
}

/** How many items carry each code of one code set, per split and in total (codes without items count 0). */
export function countByCode(items: CodingItem[], field: CodeSetField, codes: string[]): Record<string, { train: number; test: number; total: number }> {
  const counts = Object.fromEntries(codes.map((c) => [c, { train: 0, test: 0, total: 0 }]));
  for (const item of items) {
    const c = (counts[item[field]] ??= { train: 0, test: 0, total: 0 });
    c[item.split]++;
    c.total++;
  }
  return counts;
}

/** The text as compared for duplicates: case and spacing ignored, punctuation kept ("You stopped." and "You stopped?" differ). */
export const normalisedText = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, ' ');
