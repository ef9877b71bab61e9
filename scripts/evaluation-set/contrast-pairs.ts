/**
 * Contrast pairs (bench/evaluation-set/contrast-pairs/<scenario>/good.json and poor.json): the same
 * patient and situation played well and played poorly by the clinician, as session scripts whose
 * clinician lines carry one code pair per sentence. `expected.md` beside them holds what an expert
 * rater would score each rubric item.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { splitSentences } from '../../app/metrics/questions';
import { SessionScript } from '../sample-session/session-script';
import { CODE_SETS, evaluationSetDir, type CodeSetField } from './coding-set';

export const contrastPairsDir = path.join(evaluationSetDir, 'contrast-pairs');
export const VERSIONS = ['good', 'poor'] as const;
export type Version = (typeof VERSIONS)[number];

export interface ContrastPair {
  scenario: string;
  dir: string;
  scripts: Record<Version, SessionScript>;
}

export async function loadContrastPairs(dir = contrastPairsDir): Promise<ContrastPair[]> {
  const scenarios = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const pairs: ContrastPair[] = [];
  for (const scenario of scenarios) {
    const read = async (version: Version) => {
      const file = path.join(dir, scenario, `${version}.json`);
      const parsed = SessionScript.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(`${path.relative(evaluationSetDir, file)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    };
    pairs.push({ scenario, dir: path.join(dir, scenario), scripts: { good: await read('good'), poor: await read('poor') } });
  }
  return pairs;
}

/**
 * The sentences a clinician line's codes refer to, in order. The same split the conversation
 * metrics use, so a line's codes line up with what the product counts as sentences.
 */
export const lineSentences = (text: string): string[] => splitSentences(text);

/** Every way a script's codes do not fit its clinician sentences or the codebooks, as readable problems. */
export function checkScriptCodes(script: SessionScript, codebooks: Record<CodeSetField, string[]>, clinicianChannel = 0): string[] {
  const problems: string[] = [];
  script.lines.forEach((line, i) => {
    const where = `line ${i} (${JSON.stringify(line.text.slice(0, 40))})`;
    if (line.channel !== clinicianChannel) {
      if (line.codes) problems.push(`${where}: a patient line carries codes`);
      return;
    }
    const sentences = lineSentences(line.text);
    if (!line.codes) problems.push(`${where}: clinician line without codes`);
    else if (line.codes.length !== sentences.length) problems.push(`${where}: ${sentences.length} sentences but ${line.codes.length} code entries`);
    for (const c of line.codes ?? []) {
      for (const field of Object.keys(CODE_SETS) as CodeSetField[]) {
        if (!codebooks[field].includes(c[field])) problems.push(`${where}: ${field} code "${c[field]}" is not in the ${CODE_SETS[field]} codebook`);
      }
    }
  });
  return problems;
}

/** How many clinician sentences carry each code, per code set. */
export function codeCounts(script: SessionScript): Record<CodeSetField, Record<string, number>> {
  const counts: Record<CodeSetField, Record<string, number>> = { mi: {}, general: {} };
  for (const c of script.lines.flatMap((l) => l.codes ?? [])) {
    for (const field of Object.keys(CODE_SETS) as CodeSetField[]) counts[field][c[field]] = (counts[field][c[field]] ?? 0) + 1;
  }
  return counts;
}

/** One scored row of an expected.md table: what an expert would give the good and the poor version. */
export interface ExpectedScore {
  rubricId: string;
  itemId: string;
  good: number;
  poor: number;
}

/**
 * Reads the score table of an expected.md: rows `| rubric id | item id | good | why | poor | why |`.
 * Rows whose score cells are not integers (the header, the separator) are skipped.
 */
export function parseExpectedScores(markdown: string): ExpectedScore[] {
  const rows: ExpectedScore[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 8) continue;
    const [, rubricId, itemId, good, , poor] = cells;
    if (!/^\d+$/.test(good!) || !/^\d+$/.test(poor!)) continue;
    rows.push({ rubricId: rubricId!, itemId: itemId!, good: Number(good), poor: Number(poor) });
  }
  return rows;
}

/** One line per version for expected.md: the code counts of its clinician sentences, most frequent first. */
export function formatCodeCounts(version: Version, script: SessionScript): string {
  const counts = codeCounts(script);
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
  const sentences = script.lines.reduce((n, l) => n + (l.codes?.length ?? 0), 0);
  return `- ${version} (${sentences} clinician sentences): MI ${list(counts.mi)}; general ${list(counts.general)}`;
}
