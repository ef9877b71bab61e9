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
    behaviours: Object.fromEntries(section.behaviours.map((b, i) => [b.id, [{ quote: quoteOf(b.focus === 'patient' ? 'patient' : 'clinician', i + 1), speaker: b.focus === 'patient' ? ('patient' as const) : ('clinician' as const) }]])),
    summary: `Scripted summary for ${section.title}.`,
    strengths: ['Scripted strength.'],
    suggestions: ['Scripted suggestion.'],
  };
}
