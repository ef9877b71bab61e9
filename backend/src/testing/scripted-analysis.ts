import type { SectionOutput } from '../../../app/rubric/section-schema';
import type { Rubric } from '../../../app/rubric/rubric';
import { splitRubricForCalls } from '../../../app/rubric/prompt';

export const INVENTED_QUOTE = 'you must stop eating salt completely starting tonight';

/**
 * What a well-behaved remote model would answer for one rubric section, built from the prompt the
 * pipeline really sent: for each item, a mid-scale score and a quote copied from a transcript line
 * of the right speaker — plus, for the first item, one invented quote that verification must reject.
 */
export function scriptedAnalysis(rubric: Rubric, sectionId: string, userPrompt: string): SectionOutput {
  const section = splitRubricForCalls(rubric).find((s) => s.id === sectionId);
  if (!section) throw new Error(`unknown section ${sectionId}`);
  const lines = [...userPrompt.matchAll(/^\[\d+:\d\d\] (CLINICIAN|PATIENT): (.+)$/gm)].map((m) => ({ speaker: m[1] === 'CLINICIAN' ? ('clinician' as const) : ('patient' as const), words: m[2]!.split(/\s+/) }));
  const quoteOf = (speaker: 'clinician' | 'patient', n: number) => {
    const own = lines.filter((l) => l.speaker === speaker && l.words.length >= 4);
    const l = own[n % Math.max(1, own.length)];
    return l ? l.words.slice(0, Math.min(8, l.words.length)).join(' ') : '';
  };
  return {
    items: Object.fromEntries(
      section.items.map((item, i) => [
        item.id,
        {
          score: Math.round((item.scale.min + item.scale.max) / 2),
          rationale: `Scripted rationale for ${item.title}.`,
          evidence: [{ quote: quoteOf('clinician', i), speaker: 'clinician' as const }, ...(i === 0 ? [{ quote: INVENTED_QUOTE, speaker: 'clinician' as const }] : [])].filter((e) => e.quote),
        },
      ]),
    ),
    summary: `Scripted summary for ${section.title}.`,
    strengths: ['Scripted strength.'],
    suggestions: ['Scripted suggestion.'],
  };
}

/**
 * Which rubric section a chat-completions request is for, read from what the gateway forwards:
 * the structured-output schema names the section's item ids (headers such as the Idempotency-Key
 * stay at the gateway and never reach a provider).
 */
export function sectionOfRequest(rubrics: readonly Rubric[], body: unknown): { rubric: Rubric; sectionId: string } {
  type Props = { properties?: Record<string, unknown> };
  const schema = (body as { response_format?: { json_schema?: { schema?: { properties?: { items?: Props } } } } }).response_format?.json_schema?.schema;
  const want = Object.keys(schema?.properties?.items?.properties ?? {}).sort().join(',');
  for (const rubric of rubrics) {
    const section = splitRubricForCalls(rubric).find((s) => s.items.map((i) => i.id).sort().join(',') === want);
    if (section) return { rubric, sectionId: section.id };
  }
  throw new Error(`no rubric section has the items ${want} (a request without a json_schema?)`);
}

/** The text of the request's user messages (the transcript prompt, as the provider received it). */
export function userTextOf(body: unknown): string {
  return ((body as { messages?: { role: string; content: unknown }[] }).messages ?? [])
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
}
