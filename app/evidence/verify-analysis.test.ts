import { describe, expect, it } from 'vitest';
import { Rubric } from '../rubric/rubric';
import { LegacyAnalysis, ModelAnalysis } from './legacy-analysis';
import { consultation } from './transcript-fixture';
import { verifyAnalysis } from './verify-analysis';

const scale = { min: 1, max: 5, labels: [{ value: 1, label: 'poor' }, { value: 5, label: 'excellent' }] };
const rubric = Rubric.parse({
  id: 'test-rubric',
  version: '1',
  title: 'Test rubric',
  description: 'For tests.',
  attribution: 'Ours.',
  sections: [
    {
      id: 'skills',
      title: 'Skills',
      items: [
        { id: 'opening', title: 'Opening', guidance: 'Greets and asks the reason.', scale },
        { id: 'empathy', title: 'Empathy', guidance: 'Names feelings.', scale },
        { id: 'closing', title: 'Closing', guidance: 'Summarises.', scale },
        { id: 'planning', title: 'Planning', guidance: 'Agrees a plan.', scale },
      ],
    },
  ],
});

const model: ModelAnalysis = ModelAnalysis.parse({
  items: [
    {
      itemId: 'opening', score: 4, rationale: 'Asked an open question.',
      evidence: [
        { quote: 'What brings you in today?', speaker: 'clinician' },
        { quote: 'Tell me everything about your pain.', speaker: 'clinician' },
      ],
    },
    {
      itemId: 'empathy', score: 9, rationale: 'Very empathic.',
      evidence: [{ quote: 'I can see this has been very hard for you', speaker: 'clinician' }, { quote: 'headaches', speaker: 'clinician' }],
    },
    { itemId: 'closing', score: 2, rationale: 'No summary.', evidence: [{ quote: 'worried it could be something serious', speaker: 'patient' }] },
    { itemId: 'opening', score: 1, rationale: 'A repeated answer is ignored.', evidence: [] },
    { itemId: 'made_up_item', score: 3, rationale: 'Unknown.', evidence: [{ quote: 'What brings you in today?', speaker: 'clinician' }] },
  ],
  summary: 'A focused consultation.',
  strengths: ['Open start'],
  suggestions: ['Summarise before closing'],
});

describe('verifyAnalysis', () => {
  const v = verifyAnalysis(model, rubric, consultation, { model: 'test-model' });
  const item = (id: string) => v.items.find((i) => i.itemId === id)!;

  it('produces a value the analysis schema accepts, items in rubric order', () => {
    expect(LegacyAnalysis.parse(v)).toEqual(v);
    expect(v.items.map((i) => i.itemId)).toEqual(['opening', 'empathy', 'closing', 'planning']);
    expect([v.rubricId, v.rubricVersion, v.model, v.summary]).toEqual(['test-rubric', '1', 'test-model', 'A focused consultation.']);
  });

  it('keeps a true quote with speaker and time and rejects the invented one beside it', () => {
    const opening = item('opening');
    expect(opening).toMatchObject({ score: 4, verified: true, scaleMin: 1, scaleMax: 5, rationale: 'Asked an open question.' });
    expect(opening.evidence).toHaveLength(1);
    expect(opening.evidence[0]).toMatchObject({ channel: 0, matchedText: 'What brings you in today?', end: 4 });
    expect(opening.rejected).toEqual([{ quote: 'Tell me everything about your pain.', reason: 'not_found' }]);
  });

  it('marks an item supported only by invented quotes as unverified and nulls an out-of-scale score', () => {
    expect(item('empathy')).toMatchObject({ score: null, verified: false, evidence: [] });
    expect(item('empathy').rejected.map((r) => r.reason)).toEqual(['not_found', 'too_short']);
  });

  it('rejects a quote the model gave to the wrong speaker', () => {
    expect(item('closing')).toMatchObject({ score: 2, verified: false, rejected: [{ quote: 'worried it could be something serious', reason: 'wrong_speaker' }] });
  });

  it('shows an item the model skipped as not assessed', () => {
    expect(item('planning')).toEqual({ itemId: 'planning', title: 'Planning', score: null, scaleMin: 1, scaleMax: 5, rationale: '', evidence: [], rejected: [], verified: false });
  });

  it('reports how many quotes were cited, verified and rejected', () => {
    // items: 2 + 2 + 1 (repeated and unknown items skipped).
    expect(v.stats).toEqual({ quotesCited: 5, quotesVerified: 1, quotesRejected: 4 });
  });
});
