import { AppError } from '../contracts/errors';
import { Rubric, rubricBehaviours, rubricItems } from './rubric';

/**
 * Validates a rubric template (e.g. the content of resources/rubrics/*.json) beyond its schema:
 * ids unique across items and behaviours (what the model answers with) and among sections; scales with min < max and labels inside them;
 * indicators that name existing behaviours. Throws AppError('rubric.invalid') listing every problem.
 */
export function parseRubric(json: unknown): Rubric {
  const parsed = Rubric.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('rubric.invalid', `Invalid rubric: ${issues.join('; ')}`, { details: { issues } });
  }
  const rubric = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  const unique = (kind: string, id: string) => {
    if (seen.has(id)) problems.push(`duplicate ${kind} id "${id}"`);
    seen.add(id);
  };
  for (const s of rubric.sections) {
    if (s.items.length === 0 && s.behaviours.length === 0) problems.push(`section "${s.id}" has no items or behaviours`);
  }
  const sectionIds = new Set<string>();
  for (const s of rubric.sections) {
    if (sectionIds.has(s.id)) problems.push(`duplicate section id "${s.id}"`);
    sectionIds.add(s.id);
  }
  for (const item of rubricItems(rubric)) {
    unique('item', item.id);
    const { min, max, labels } = item.scale;
    if (min >= max) problems.push(`item "${item.id}": scale min ${min} must be below max ${max}`);
    for (const l of labels) if (l.value < min || l.value > max) problems.push(`item "${item.id}": label ${l.value} is outside ${min}..${max}`);
    if (new Set(labels.map((l) => l.value)).size !== labels.length) problems.push(`item "${item.id}": two labels for one value`);
  }
  const behaviourIds = new Set(rubricBehaviours(rubric).map((b) => b.id));
  rubricBehaviours(rubric).forEach((b) => unique('behaviour', b.id));
  for (const ind of rubric.summaryIndicators) {
    for (const id of [...ind.numerator, ...ind.denominator]) {
      if (!behaviourIds.has(id)) problems.push(`indicator "${ind.id}" names unknown behaviour "${id}"`);
    }
  }
  if (problems.length > 0) throw new AppError('rubric.invalid', `Invalid rubric "${rubric.id}": ${problems.join('; ')}`, { details: { issues: problems } });
  return rubric;
}
