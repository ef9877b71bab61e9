import { describe, expect, it } from 'vitest';
import { classifyQuestion, countQuestions, splitSentences } from './questions';

describe('classifyQuestion', () => {
  const table: [string, 'open' | 'closed' | null][] = [
    ['What brings you in today?', 'open'],
    ['How have you been sleeping?', 'open'],
    ['Why do you think that is?', 'open'],
    ['So, what happened next?', 'open'],
    ["What's been worrying you most?", 'open'],
    ['Tell me more about the pain.', 'open'],
    ['Could you describe what the pain feels like?', 'open'],
    ['Can you tell me a bit about your family?', 'open'],
    ['Walk me through a typical day', 'open'],
    ["I'm wondering how you feel about that?", 'open'],
    ['how are you feeling about the new tablets', 'open'],
    ['Do you smoke?', 'closed'],
    ['Did it start suddenly?', 'closed'],
    ['Is the pain sharp or dull?', 'closed'],
    ['Are you taking anything for it?', 'closed'],
    ['Have you had this before', 'closed'],
    ['Can you lift your arm?', 'closed'],
    ['How many cigarettes a day?', 'closed'],
    ['How long has this been going on?', 'closed'],
    ['When did it start?', 'closed'],
    ['Where exactly does it hurt?', 'closed'],
    ['Which arm is it?', 'closed'],
    ['What time do you usually wake up?', 'closed'],
    ["You've been feeling low, haven't you?", 'closed'],
    ['The pain is worse at night?', 'closed'],
    ['Okay, right?', 'closed'],
    ['I have had headaches for a week.', null],
    ['When I was young I played football.', null],
    ['What a week it has been.', null],
    ['Mm-hmm.', null],
    ['Yes.', null],
    ['', null],
  ];
  it.each(table)('classifies %j as %s', (sentence, expected) => {
    expect(classifyQuestion(sentence)).toBe(expected);
  });
});

describe('splitSentences and countQuestions', () => {
  it('splits at sentence marks and keeps the mark', () => {
    expect(splitSentences('Hello there. What brings you in?  Okay!')).toEqual(['Hello there.', 'What brings you in?', 'Okay!']);
    expect(splitSentences('... ?')).toEqual([]);
  });

  it('counts several questions inside one text and across texts', () => {
    expect(countQuestions(['Do you smoke? How much do you drink? Tell me about work.', 'I see. Why now?'])).toEqual({ open: 2, closed: 2, total: 4 });
  });
});

describe('a question asked at the end of a sentence that opens otherwise', () => {
  it('is judged by its own clause', () => {
    expect(classifyQuestion('Last time, you mentioned walking in the evenings, how has that gone?')).toBe('open');
    expect(classifyQuestion('Before I go on, what do you already know about blood pressure?')).toBe('open');
    expect(classifyQuestion('Before we get into it, are you still taking the tablets every morning?')).toBe('closed');
  });

  it('leaves a question that opens as one to its opening words, and a tag question to the whole', () => {
    expect(classifyQuestion("What's made the biggest difference, do you think?")).toBe('open');
    expect(classifyQuestion('What, if anything, would you want to be different?')).toBe('open');
    expect(classifyQuestion('So the walks helped, right?')).toBe('closed');
    expect(classifyQuestion('So the walks helped, and the salt is harder.')).toBeNull();
  });
});
