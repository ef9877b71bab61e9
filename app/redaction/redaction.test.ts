import { describe, expect, test } from 'vitest';
import { isValidNhsNumber } from './patterns';
import { emptyRedactionState, redact, restore } from './redaction';

const ctx = { participants: [{ name: 'Daniel Okafor', channel: 0 as const }, { name: 'Maria Lopez', channel: 1 as const }] };

describe('redact: people', () => {
  test('gives every form of one participant the same placeholder, keeping titles and possessives', () => {
    const r = redact("Dr. Okafor here. Daniel's notes say DANIEL OKAFOR saw maria; Mrs. Lopez agreed, Maria Lopez's son too.", ctx);
    expect(r.text).toBe("Dr. [PERSON_1] here. [PERSON_1]'s notes say [PERSON_1] saw [PERSON_2]; Mrs. [PERSON_2] agreed, [PERSON_2]'s son too.");
    expect(r.counts.PERSON).toBe(6);
  });

  test('knows common short forms and apostrophe variants of a name', () => {
    const people = { participants: [{ name: "Robert O'Brien" }] };
    expect(redact('Rob, or Bob, Mr OBrien, Robert O’Brien.', people).text).toBe('[PERSON_1], or [PERSON_1], Mr [PERSON_1], [PERSON_1].');
  });

  test('leaves lowercase common words that are also a participant name alone', () => {
    const people = { participants: [{ name: 'Will Grace' }] };
    expect(redact('Hello Will. I will check the grace period with Dr. Grace.', people).text).toBe('Hello [PERSON_1]. I will check the grace period with Dr. [PERSON_1].');
  });

  test('redacts other people only when named in extraNames', () => {
    const text = 'My son Luis and Dr. Pepper.';
    expect(redact(text, ctx).text).toBe(text);
    expect(redact(text, { ...ctx, extraNames: ['Luis'] }).text).toBe('My son [PERSON_1] and Dr. Pepper.');
  });

  test('ignores titles and initials inside a registered name', () => {
    const people = { participants: [{ name: 'Dr. Ana F. Sousa' }] };
    expect(redact('Dr. Sousa (Ana) saw F block, Dr Smith and Ana Sousa.', people).text).toBe('Dr. [PERSON_1] ([PERSON_1]) saw F block, Dr Smith and [PERSON_1].');
  });

  test('does not match a name inside a longer word', () => {
    expect(redact('Danielle and Marian are not participants.', ctx).text).toBe('Danielle and Marian are not participants.');
  });
});

describe('redact: patterns', () => {
  test.each([
    ['PHONE', 'Call 07700 900461 now', 'Call [PHONE_1] now'],
    ['PHONE', 'Call +44 (0)20 7946 0958 now', 'Call [PHONE_1] now'],
    ['PHONE', 'Call (555) 123-4567 now', 'Call [PHONE_1] now'],
    ['PHONE', 'Call 1-800-555-0199 now', 'Call [PHONE_1] now'],
    ['PHONE', 'Call +49 30 12345678 now', 'Call [PHONE_1] now'],
    ['EMAIL', 'Mail maria.lopez58@gmail.com today', 'Mail [EMAIL_1] today'],
    ['EMAIL', 'It is maria dot lopez at gmail dot com.', 'It is [EMAIL_1].'],
    ['EMAIL', 'Send it to j dot smith at nhs dot net or info at clinic dot co dot uk please', 'Send it to [EMAIL_1] or [EMAIL_2] please'],
    ['DATE', 'born on 3 March 1961.', 'born on [DATE_1].'],
    ['DATE', 'DOB 03/03/1961.', 'DOB [DATE_1].'],
    ['DATE', 'on March 3rd, 1961 and 1990-06-18', 'on [DATE_1] and [DATE_2]'],
    ['DATE', 'the 2nd of May, in May 2019', 'the [DATE_1], in [DATE_2]'],
    ['ADDRESS', 'at Flat 2, 118 Kingsway Avenue, Leeds LS6 3AB.', 'at [ADDRESS_1].'],
    ['ADDRESS', 'at 77 Riverside Drive, Apt 12, Cambridge, MA 02139.', 'at [ADDRESS_1].'],
    ['ADDRESS', 'postcode G12 8QQ', 'postcode [ADDRESS_1]'],
    ['ID', 'MRN 12345678', 'MRN [ID_1]'],
    ['ID', 'medical record number is MR-5583012', 'medical record number is [ID_1]'],
    ['ID', 'NHS number 943 476 5919', 'NHS number [ID_1]'],
    ['ID', 'SSN 123-45-6789', 'SSN [ID_1]'],
    ['ID', 'ID: XK123456', 'ID: [ID_1]'],
  ])('%s: %s', (kind, text, expected) => {
    const r = redact(text, ctx);
    expect(r.text).toBe(expected);
    expect(r.counts[kind as keyof typeof r.counts]).toBeGreaterThan(0);
  });

  test('leaves doses, blood pressures, times, bare years, the modal may and counts alone', () => {
    const text =
      'You may take 500 mg at 3 pm, BP 140 over 90 or 140/90, since 2019. May I listen? In May we review. Ward 7, bed 12, extension 4412, call 999 or 111, 1 in 20, 37.2 degrees, 10:30 on the 21st.';
    const r = redact(text, ctx);
    expect(r.text).toBe(text);
  });

  test('tells an NHS number from a phone number of the same shape by its check digit', () => {
    expect(isValidNhsNumber('943 476 5919')).toBe(true);
    expect(isValidNhsNumber('943 476 5918')).toBe(false);
    expect(redact('943 476 5919 and 555 123 4567', ctx).text).toBe('[ID_1] and [PHONE_1]');
  });
});

describe('redaction state', () => {
  test('keeps placeholders stable across calls that share the state, without changing the given state', () => {
    const first = redact('Maria, 07700 900461, maria@example.com', ctx);
    const before = JSON.stringify(first.state);
    const second = redact('Call 07700900461 or mail MARIA@example.com, Maria; or 020 7946 0958.', ctx, first.state);
    expect(second.text).toBe('Call [PHONE_1] or mail [EMAIL_1], [PERSON_1]; or [PHONE_2].');
    expect(JSON.stringify(first.state)).toBe(before);
    expect(redact('Daniel', ctx, second.state).text).toBe('[PERSON_2]');
  });

  test('the same text redacts the same way every time', () => {
    const text = 'Daniel saw Maria Lopez on 3 March 1961 at 27 Orchard Road; MRN 12345678.';
    expect(redact(text, ctx)).toEqual(redact(text, ctx));
  });

  test('redacting redacted text changes nothing', () => {
    const once = redact('Maria Lopez, [PERSON_7] and 07700 900461', ctx);
    expect(redact(once.text, ctx, once.state).text).toBe(once.text);
    expect(redact(once.text, ctx, once.state).counts.PHONE).toBe(0);
  });

  test('the state is plain JSON', () => {
    const r = redact('Maria, MRN 12345678', ctx);
    expect(JSON.parse(JSON.stringify(r.state))).toEqual(r.state);
    expect(r.state.originals).toEqual({ '[PERSON_1]': 'Maria Lopez', '[ID_1]': '12345678' });
  });
});

describe('restore', () => {
  const text = 'Maria Lopez (DOB 03/03/1961, 07700 900461, maria@example.com, 12 Baker Street, MRN 12345678) saw Daniel Okafor.';

  test('round-trips every kind', () => {
    const r = redact(text, ctx);
    expect(r.text).not.toMatch(/Maria|1961|07700|example|Baker|12345678|Daniel/);
    expect(restore(r.text, r.state)).toBe(text);
  });

  test('puts back only the allowed kinds, and a person as their full name', () => {
    const r = redact(text, ctx);
    const answer = 'Dr. [PERSON_2] should call [PERSON_1] on [PHONE_1] about [ID_1].';
    expect(restore(answer, r.state, { kinds: ['PERSON'] })).toBe('Dr. Daniel Okafor should call Maria Lopez on [PHONE_1] about [ID_1].');
    expect(restore(answer, r.state, { kinds: [] })).toBe(answer);
  });

  test('leaves placeholders the state does not know as they are', () => {
    expect(restore('[PERSON_9] and [PHONE_1]', emptyRedactionState())).toBe('[PERSON_9] and [PHONE_1]');
  });
});
