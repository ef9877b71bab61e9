import { AppError } from '../contracts/errors';
import { Rubric, rubricItems } from './rubric';

/**
 * Validates a rubric template (e.g. the content of resources/rubrics/*.json) beyond its schema:
 * section ids and item ids unique (what the model answers with); scales with min < max and labels
 * inside them; code ids and indicator ids unique; indicators that name only existing codes, with a
 * denominator exactly when their unit is a ratio or percent. Throws AppError('rubric.invalid')
 * listing every problem.
 */
export function parseRubric(json: unknown): Rubric {
  const parsed = Rubric.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('rubric.invalid', `Invalid rubric: ${issues.join('; ')}`, { details: { issues } });
  }
  const rubric = parsed.data;
  const problems: string[] = [];
  const uniqueIn = (kind: string) => {
    const seen = new Set<string>();
    return (id: string) => {
      if (seen.has(id)) problems.push(`duplicate ${kind} id "${id}"`);
      seen.add(id);
    };
  };
  const sectionId = uniqueIn('section');
  for (const s of rubric.sections) sectionId(s.id);
  const itemId = uniqueIn('item');
  for (const item of rubricItems(rubric)) {
    itemId(item.id);
    const { min, max, labels } = item.scale;
    if (min >= max) problems.push(`item "${item.id}": scale min ${min} must be below max ${max}`);
    for (const l of labels) if (l.value < min || l.value > max) problems.push(`item "${item.id}": label ${l.value} is outside ${min}..${max}`);
    if (new Set(labels.map((l) => l.value)).size !== labels.length) problems.push(`item "${item.id}": two labels for one value`);
  }
  if (rubric.coding) {
    const codeId = uniqueIn('code');
    rubric.coding.codes.forEach((c) => codeId(c.id));
    const codes = new Set(rubric.coding.codes.map((c) => c.id));
    const indicatorId = uniqueIn('indicator');
    for (const ind of rubric.coding.indicators) {
      indicatorId(ind.id);
      for (const id of [...ind.numerator, ...ind.denominator]) {
        if (!codes.has(id)) problems.push(`indicator "${ind.id}" names unknown code "${id}"`);
      }
      if (ind.unit === 'count' && ind.denominator.length > 0) problems.push(`indicator "${ind.id}": a count has no denominator`);
      if (ind.unit !== 'count' && ind.denominator.length === 0) problems.push(`indicator "${ind.id}": a ${ind.unit} needs a denominator`);
    }
  }
  const bookCodes = new Set((rubric.coding?.codes ?? []).map((c) => c.id));
  for (const item of rubricItems(rubric)) {
    if (!item.codeGuide) continue;
    if (!rubric.coding) problems.push(`item "${item.id}": a code guide needs the rubric's code book`);
    else for (const id of [...item.codeGuide.for, ...item.codeGuide.against]) if (!bookCodes.has(id)) problems.push(`item "${item.id}": code guide names unknown code "${id}"`);
  }
  if (problems.length > 0) throw new AppError('rubric.invalid', `Invalid rubric "${rubric.id}": ${problems.join('; ')}`, { details: { issues: problems } });
  return rubric;
}
