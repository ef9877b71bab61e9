// A realistic ReportModel for tests of anything that consumes one (PDF renderer, API, UI).
// The transcript is a scripted clinician–patient conversation with word timings; metrics, the
// timeline and the evidence quotes are derived from that same transcript, so they agree.
import type { ConversationMetrics, SpeakerMetrics } from '../../../app/metrics/metrics-model';
import type { ReportModel } from '../../../app/report/report-model';
import type { RejectedQuote, VerifiedAnalysis, VerifiedItem, VerifiedQuote } from '../../../app/rubric/analysis';
import type { Segment } from '../../../app/transcript/transcript';

type Ch = 0 | 1;

/** The script: [channel, text]. Contains é, ü, —, “ ” on purpose. */
export const FIXTURE_SCRIPT: readonly (readonly [Ch, string])[] = [
  [0, 'Good morning, thanks for coming in today. What would you like us to focus on?'],
  [1, 'Hi. Well, it’s mostly my sleep — I keep waking up at three or four every night.'],
  [0, 'That sounds exhausting. How long has this been going on?'],
  [1, 'About two months now, since I started the new job at the café.'],
  [0, 'Tell me more about the new job and how it has been affecting you.'],
  [1, 'It’s a lot of pressure. My manager calls it “agile”, but really it just means constant deadlines.'],
  [0, 'So the deadlines follow you home at night.'],
  [1, 'Exactly. I lie there going through my to-do list over and over.'],
  [0, 'What have you tried so far to help you sleep?'],
  [1, 'Chamomile tea, an app with rain sounds, and sometimes a glass of wine, which I know isn’t great.'],
  [0, 'Do you drink coffee in the afternoon?'],
  [1, 'Yes, usually around four. I need it to get through the day.'],
  [0, 'It sounds like you are caught in a cycle: tired during the day, coffee to cope, then restless at night.'],
  [1, 'When you put it like that, yes. I hadn’t really connected those.'],
  [0, 'On a scale from zero to ten, how important is it for you to change this right now?'],
  [1, 'Honestly, an eight. I can’t keep going like this.'],
  [0, 'What makes it an eight and not a five?'],
  [1, 'My daughter noticed I’m short-tempered. That hurt — I don’t want to be that parent.'],
  [0, 'You care a lot about being present for her.'],
  [1, 'I do. She’s the reason I want to fix this.'],
  [0, 'Would it be okay if I shared a few ideas that have helped other people?'],
  [1, 'Sure, please.'],
  [0, 'Some people find that stopping caffeine after noon and keeping a fixed wake-up time makes a real difference. What do you think of that?'],
  [1, 'The coffee one I could try. The fixed wake-up time on weekends sounds harder.'],
  [0, 'So starting with the coffee feels doable. What would be a first step this week?'],
  [1, 'I could switch to decaf after lunch, starting Monday.'],
  [0, 'That’s a clear plan, and it shows real commitment. Let’s check in on how it went in two weeks.'],
  [1, 'Thank you — this was more helpful than I expected.'],
];

/** Cited by the model for "Explanation and planning" but never said: must not appear as evidence. */
export const FIXTURE_REJECTED_QUOTE = 'I will prescribe you a strong sleeping pill tonight';
/** Both cited for the unverified item "Closing the session" and both rejected. */
export const FIXTURE_UNVERIFIED_QUOTES = ['Do you have any other questions before we finish today', 'Let me summarise everything we agreed on'] as const;

export interface ReportFixtureOptions {
  /** Length of the recording; the script repeats until the transcript fills it. Default 180 s. */
  durationSec?: number;
  title?: string;
  /** Display names for channel 0 and channel 1. */
  names?: readonly [string, string];
  notices?: readonly string[];
}

const WORDS_PER_SEC = 2.6;
const OPEN_STARTS = /^(what|how|why|tell|describe|which|where|when|who)\b/i;

export function buildReportFixture(opts: ReportFixtureOptions = {}): ReportModel {
  const durationSec = opts.durationSec ?? 180;
  const names = opts.names ?? ['Dr. Jonas Müller', 'Amélie Laurent'];
  const segments = scriptSegments(durationSec);
  const metrics = measure(segments, durationSec);
  return {
    session: {
      id: 'sess_01JFIXTURE0000000000000000',
      title: opts.title ?? 'Follow-up consultation — sleep difficulties',
      recordedAt: '2026-11-24T09:30:00Z',
      durationSec,
      orgName: 'Riverside Family Practice',
    },
    participants: [
      { channel: 0, displayName: names[0], roleLabel: 'Clinician' },
      { channel: 1, displayName: names[1], roleLabel: 'Patient' },
    ],
    rubric: { id: 'general-communication', version: '1.0.0', title: 'General communication skills', attribution: 'Items written for this product in the spirit of the Calgary–Cambridge guide.' },
    metrics,
    analysis: analysisFor(segments),
    transcript: { segments, language: 'en', durationSec, engine: { name: 'whisper.cpp', model: 'base.en' } },
    notices: [...(opts.notices ?? [])],
    generatedAt: '2026-11-24T09:41:12Z',
    engine: { stt: 'whisper.cpp base.en (local)', llm: 'gemma-3-270m-it Q4_K_M (local, node-llama-cpp)' },
  };
}

/** Segments with evenly spread word timings; a short backchannel overlaps every fourth long turn. */
function scriptSegments(durationSec: number): Segment[] {
  const out: Segment[] = [];
  let t = 1.2;
  for (let i = 0; ; i++) {
    const [channel, text] = FIXTURE_SCRIPT[i % FIXTURE_SCRIPT.length]!;
    const tokens = text.split(/\s+/);
    const len = Math.max(tokens.length / WORDS_PER_SEC, 0.8);
    if (t + len > durationSec - 0.5) break;
    out.push(segment(channel, t, t + len, text));
    if (i % 4 === 1 && len > 3) {
      const other: Ch = channel === 0 ? 1 : 0;
      out.push(segment(other, t + len * 0.5, t + len * 0.5 + 0.6, 'Mm-hm.'));
    }
    t += len + (i % 5 === 4 ? 2.4 : 0.7);
  }
  return out.sort((a, b) => a.start - b.start || a.channel - b.channel);
}

function segment(channel: Ch, start: number, end: number, text: string): Segment {
  const tokens = text.split(/\s+/);
  const step = (end - start) / tokens.length;
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    channel,
    start: r(start),
    end: r(end),
    text,
    words: tokens.map((w, k) => ({ text: w, start: r(start + k * step), end: r(start + (k + 1) * step), confidence: 0.93 })),
  };
}

function measure(segments: Segment[], durationSec: number): ConversationMetrics {
  const talk = [0, 0];
  for (const s of segments) talk[s.channel]! += s.end - s.start;
  const totalTalk = talk[0]! + talk[1]!;
  const speaker = (channel: Ch): SpeakerMetrics => {
    const own = segments.filter((s) => s.channel === channel);
    const words = own.reduce((n, s) => n + s.words.length, 0);
    const questions = own.filter((s) => s.text.trim().endsWith('?'));
    const open = questions.filter((s) => OPEN_STARTS.test(s.text.split(/(?<=[.!])\s+/).at(-1) ?? '')).length;
    return {
      channel,
      talkTimeSec: round1(talk[channel]!),
      talkRatio: totalTalk > 0 ? talk[channel]! / totalTalk : 0,
      turns: own.filter((s) => s.text !== 'Mm-hm.').length,
      words,
      speechRateWpm: talk[channel]! > 0 ? (words / talk[channel]!) * 60 : 0,
      longestMonologueSec: round1(Math.max(0, ...own.map((s) => s.end - s.start))),
      questions: { open, closed: questions.length - open, total: questions.length },
      interruptionsMade: 0,
    };
  };
  const timeline = segments.map((s) => ({ channel: s.channel, start: s.start, end: s.end }));
  const backchannels = segments.filter((s) => s.text === 'Mm-hm.');
  const gaps: number[] = [];
  let speechEnd = 0;
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    if (s.start - speechEnd >= 0.5 && speechEnd > 0) gaps.push(s.start - speechEnd);
    speechEnd = Math.max(speechEnd, s.end);
  }
  const pauseTotal = gaps.reduce((a, b) => a + b, 0);
  return {
    durationSec,
    speakers: [speaker(0), speaker(1)],
    overlap: { totalSec: round1(backchannels.length * 0.6), count: backchannels.length },
    pauses: { count: gaps.length, totalSec: round1(pauseTotal), longestSec: round1(Math.max(0, ...gaps)), meanSec: gaps.length ? round1(pauseTotal / gaps.length) : 0, thresholdSec: 0.5 },
    timeline,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A verified quote for the first segment of the script line at `line`. */
function quoteOf(segments: Segment[], line: number, quote?: string): VerifiedQuote {
  const [channel, text] = FIXTURE_SCRIPT[line]!;
  const seg = segments.find((s) => s.channel === channel && s.text === text);
  if (!seg) throw new Error(`fixture: script line ${line} is beyond the fixture duration`);
  return { quote: quote ?? text, matchedText: seg.text, channel, start: seg.start, end: seg.end, similarity: quote ? 0.96 : 1 };
}

function item(itemId: string, title: string, score: number | null, rationale: string, evidence: VerifiedQuote[], rejected: RejectedQuote[] = []): VerifiedItem {
  return { itemId, title, score, scaleMin: 1, scaleMax: 5, rationale, evidence, rejected, verified: evidence.length > 0 };
}

function analysisFor(segments: Segment[]): VerifiedAnalysis {
  const q = (line: number, quote?: string) => quoteOf(segments, line, quote);
  const items: VerifiedItem[] = [
    item('initiating', 'Initiating the session', 4, 'The clinician greeted the patient warmly and opened with an open question about the agenda, although the reason for the visit was not summarised back.', [q(0)]),
    item('gathering', 'Gathering information', 4, 'Mostly open questions explored onset, context and what had been tried; the closed question about afternoon coffee was well placed.', [q(2), q(4, 'tell me more about the new job and how it has been affecting you')]),
    item('empathy', 'Empathy and rapport', 5, 'Reflections named the patient’s feelings and values (“You care a lot about being present for her”), which visibly deepened the conversation.', [q(18), q(12)]),
    item('explanation', 'Explanation and planning', 3, 'Information was offered with permission and the patient chose the first step; the second suggestion (fixed wake-up time) was not explored further.', [q(22), q(25)], [{ quote: FIXTURE_REJECTED_QUOTE, reason: 'not_found' }]),
    item('shared-decision', 'Shared decision-making', null, 'The model returned a score outside the 1–5 scale for this item, so no score is shown.', [q(24)]),
    item('closing', 'Closing the session', 3, 'The plan and follow-up were stated, but the model’s claimed summary and check for further questions were not found in the transcript.', [], FIXTURE_UNVERIFIED_QUOTES.map((quote) => ({ quote, reason: 'not_found' as const }))),
  ];
  const behaviours = [
    { behaviourId: 'open-question', title: 'Open questions', instances: [q(0), q(2), q(8), q(16)], rejected: [] },
    { behaviourId: 'reflection', title: 'Reflections', instances: [q(6), q(12), q(18)], rejected: [{ quote: 'You feel like nobody understands you', reason: 'not_found' as const }] },
    { behaviourId: 'affirmation', title: 'Affirmations', instances: [q(26)], rejected: [] },
    { behaviourId: 'seeking-permission', title: 'Asking permission before advising', instances: [q(20)], rejected: [] },
    { behaviourId: 'confrontation', title: 'Confrontations', instances: [], rejected: [] },
  ].map((b) => ({ ...b, count: b.instances.length }));
  const cited = items.reduce((n, i) => n + i.evidence.length + i.rejected.length, 0) + behaviours.reduce((n, b) => n + b.instances.length + b.rejected.length, 0);
  const rejected = items.reduce((n, i) => n + i.rejected.length, 0) + behaviours.reduce((n, b) => n + b.rejected.length, 0);
  return {
    rubricId: 'general-communication',
    rubricVersion: '1.0.0',
    model: 'gemma-3-270m-it',
    items,
    behaviours,
    indicators: [
      { id: 'reflection-question-ratio', title: 'Reflections per question', value: 0.75, target: '≥ 1.0' },
      { id: 'open-question-share', title: 'Share of questions that are open', value: 0.6667, target: '≥ 0.5' },
      { id: 'complex-reflection-share', title: 'Share of reflections that are complex', value: null, target: '≥ 0.4' },
    ],
    summary: 'A warm, well-structured consultation. The clinician explored the sleep problem with open questions, used reflections that connected the patient’s stress, caffeine and sleep, and reached a concrete first step chosen by the patient. The close was brief: there was no summary and no check for remaining concerns.',
    strengths: ['Open questions early on let the patient set the agenda.', 'Reflections linked the patient’s daily pattern into one picture (“tired during the day, coffee to cope”).', 'Advice was offered only after asking permission.'],
    suggestions: ['Summarise the agreed plan in the patient’s words before closing.', 'Ask whether there is anything else before ending the session.', 'Explore the harder suggestion (fixed wake-up time) instead of leaving it aside.'],
    stats: { quotesCited: cited, quotesVerified: cited - rejected, quotesRejected: rejected },
  };
}
