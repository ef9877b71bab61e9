import { describe, expect, it } from 'vitest';
import { redact } from '../../../../app/redaction/redaction';
import { createStreamRestorer, restoreAnswerText } from './placeholder-restore';

const { state } = redact('Daniel "Danny" O\'Brien met Ana Silva, call 07700 900123', { participants: [{ name: 'Daniel "Danny" O\'Brien' }, { name: 'Ana Silva' }] });

describe('restoring placeholders in answers', () => {
  it('restores only the allowed kinds', () => {
    expect(restoreAnswerText('[PERSON_1] and [PERSON_2], [PHONE_1]', state, ['PERSON'])).toBe('Daniel "Danny" O\'Brien and Ana Silva, [PHONE_1]');
    expect(restoreAnswerText('[PERSON_1]', state, [])).toBe('[PERSON_1]');
  });

  it('keeps a JSON answer valid when a name holds quotes', () => {
    const out = restoreAnswerText('{"quote": "[PERSON_1] agreed"}', state, ['PERSON']);
    expect(JSON.parse(out)).toEqual({ quote: 'Daniel "Danny" O\'Brien agreed' });
  });

  it('tells a JSON array answer from prose that opens with a placeholder', () => {
    const array = restoreAnswerText(' [ "[PERSON_1] agreed", {"who": "[PERSON_2]"} ]\n', state, ['PERSON']);
    expect(JSON.parse(array)).toEqual(['Daniel "Danny" O\'Brien agreed', { who: 'Ana Silva' }]);
    expect(restoreAnswerText('[PERSON_1] called [PERSON_2]', state, ['PERSON'])).toBe('Daniel "Danny" O\'Brien called Ana Silva');
    expect(restoreAnswerText('[PERSON_1] said {"a": 1}', state, ['PERSON'])).toBe('Daniel "Danny" O\'Brien said {"a": 1}');
  });

  it('restores a placeholder split at any point across stream pieces', () => {
    const text = 'Thanks [PERSON_2], see [PERSON_1] and [PHONE_1] [not a placeholder';
    for (let cut = 1; cut < text.length; cut++) {
      const r = createStreamRestorer(state, ['PERSON'], false);
      const out = r.push(text.slice(0, cut)) + r.push(text.slice(cut)) + r.flush();
      expect(out).toBe('Thanks Ana Silva, see Daniel "Danny" O\'Brien and [PHONE_1] [not a placeholder');
    }
  });

  it('holds back no more than a placeholder can be long', () => {
    const r = createStreamRestorer(state, ['PERSON'], false);
    expect(r.push('a [PERSON_')).toBe('a ');
    expect(r.push('1')).toBe('');
    expect(r.push('] b')).toBe('Daniel "Danny" O\'Brien b');
    expect(r.push('[x] [')).toBe('[x] ');
    expect(r.flush()).toBe('[');
  });
});
