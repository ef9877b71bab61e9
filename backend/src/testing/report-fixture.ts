// A realistic ReportModel for tests of anything that consumes one (PDF renderer, API, UI).
// The transcript is a scripted clinician–patient conversation with word timings; metrics, the
// timeline and the evidence quotes are derived from that same transcript, so they agree.
import type { ConversationMetrics, SpeakerMetrics } from '../../../app/metrics/metrics-model';
import type { ReportModel } from '../../../app/report/report-model';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scoredItems, type VerifiedAnalysis } from '../../../app/rubric/analysis';
import { assembleAnalysis } from '../../../app/rubric/assemble-analysis';
import type { CodingAnswer, NarrativeAnswer, SectionAnswer } from '../../../app/rubric/model-output';
import { parseRubric } from '../../../app/rubric/parse-rubric';
import { splitIntoUnits, type TranscriptUnit } from '../../../app/transcript/units';
import { resourcesDir } from '../paths';
import type { Segment } from '../../../app/transcript/transcript';
import { computeConversationMetrics } from '../../../app/metrics/conversation-metrics';
import { buildSampleAnalysis, sampleRubric, sampleTranscript, type SampleAnalysisOptions } from './sample-analysis-fixture';

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

/** A unit id the "model" cited for "Explaining clearly" that names no unit: rejected, never shown. */
export const FIXTURE_UNKNOWN_UNIT = 'u999';
/** The section whose "model" output was degenerate twice: shown as failed with this reason. */
export const FIXTURE_FAILED_SECTION = 'relationship';
export const FIXTURE_FAILED_REASON = 'the model repeated one phrase instead of rating the items, twice';

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
    rubric: { id: FIXTURE_RUBRIC.id, version: FIXTURE_RUBRIC.version, title: FIXTURE_RUBRIC.title, attribution: FIXTURE_RUBRIC.attribution },
    metrics,
    analysis: analysisFor(segments),
    transcript: { segments, language: 'en', durationSec, engine: { name: 'whisper.cpp', model: 'base.en' } },
    notices: [...(opts.notices ?? [])],
    generatedAt: '2026-11-24T09:41:12Z',
    engine: { stt: 'whisper.cpp base.en (local)', llm: `${FIXTURE_MODEL} (local, node-llama-cpp)` },
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

const FIXTURE_RUBRIC = parseRubric(JSON.parse(readFileSync(path.join(resourcesDir, 'rubrics', 'communication-general.json'), 'utf8')));
const FIXTURE_MODEL = 'qwen2.5-coder-1.5b-instruct-q4_k_m';

/** Hand-written codes of the script's clinician sentences; anything else (greetings, "Mm-hm.") is other. */
const FIXTURE_CODES: Readonly<Record<string, string>> = {
  'What would you like us to focus on?': 'open_question',
  'That sounds exhausting.': 'empathic_statement',
  'How long has this been going on?': 'closed_question',
  'Tell me more about the new job and how it has been affecting you.': 'open_question',
  'So the deadlines follow you home at night.': 'empathic_statement',
  'What have you tried so far to help you sleep?': 'open_question',
  'Do you drink coffee in the afternoon?': 'closed_question',
  'It sounds like you are caught in a cycle: tired during the day, coffee to cope, then restless at night.': 'summary',
  'On a scale from zero to ten, how important is it for you to change this right now?': 'closed_question',
  'What makes it an eight and not a five?': 'open_question',
  'You care a lot about being present for her.': 'empathic_statement',
  'Would it be okay if I shared a few ideas that have helped other people?': 'signposting',
  'Some people find that stopping caffeine after noon and keeping a fixed wake-up time makes a real difference.': 'giving_information',
  'What do you think of that?': 'checking_understanding',
  'What would be a first step this week?': 'open_question',
  'Let’s check in on how it went in two weeks.': 'giving_information',
};

function analysisFor(segments: Segment[]): VerifiedAnalysis {
  const units = splitIntoUnits({ segments });
  const id = (text: string): string => {
    const u = units.find((x: TranscriptUnit) => x.text === text);
    if (!u) throw new Error(`fixture: no unit reads "${text}" (beyond the fixture duration?)`);
    return u.id;
  };
  const coding: CodingAnswer = Object.fromEntries(units.filter((u) => u.channel === 0).map((u) => [u.id, FIXTURE_CODES[u.text] ?? 'other']));
  const item = (evidence: string[], rationale: string, score: number) => ({ evidence, rationale, score });
  const answers: Record<string, SectionAnswer> = {
    opening: {
      opening_purpose: item([id('Good morning, thanks for coming in today.'), id('What would you like us to focus on?')], 'Greeted the patient and asked what to focus on, but did not introduce their role.', 4),
      patient_story: item([id('Tell me more about the new job and how it has been affecting you.')], 'Open prompts let the patient describe the sleep problem in her own words.', 4),
    },
    information: {
      exploring_problem: item([id('How long has this been going on?'), id('What have you tried so far to help you sleep?'), id('Do you drink coffee in the afternoon?')], 'Onset, what was tried and the afternoon coffee were explored; severity was not asked about.', 4),
      patient_perspective: item([id('What makes it an eight and not a five?'), id('You care a lot about being present for her.')], 'Asked what made the change important and responded to her wish to be present for her daughter.', 5),
    },
    relationship: {
      structure: item([id('It sounds like you are caught in a cycle: tired during the day, coffee to cope, then restless at night.')], 'x', 3),
      relationship: item([id('That sounds exhausting.')], 'x', 3),
    },
    explanation: {
      explanation: item([id('Some people find that stopping caffeine after noon and keeping a fixed wake-up time makes a real difference.'), FIXTURE_UNKNOWN_UNIT], 'Ideas were offered with permission in plain words; understanding was asked about only in passing.', 3),
      // The patient's own words cited for a clinician item: rejected as the wrong speaker.
      shared_planning: item([id('What would be a first step this week?'), id('I could switch to decaf after lunch, starting Monday.')], 'The patient chose the first step herself.', 4),
      // Only a patient unit and an id that does not exist: both rejected, so the item has no evidence.
      closing: item([id('Thank you — this was more helpful than I expected.'), 'u0'], 'The plan was stated but there was no summary and no check for other questions.', 2),
    },
  };
  const narrative: NarrativeAnswer = {
    summary: {
      text: 'A warm consultation that explored the sleep problem with open questions, linked stress, caffeine and sleep in one summary, and ended with a first step chosen by the patient; the close had no summary or check for other concerns.',
      evidence: [id('It sounds like you are caught in a cycle: tired during the day, coffee to cope, then restless at night.'), id('What would be a first step this week?')],
    },
    strengths: [
      { text: 'Open questions early on let the patient set the agenda.', evidence: [id('What would you like us to focus on?'), id('Tell me more about the new job and how it has been affecting you.')] },
      { text: 'Asked permission before giving advice.', evidence: [id('Would it be okay if I shared a few ideas that have helped other people?')] },
    ],
    suggestions: [
      { text: 'When the patient said the fixed wake-up time sounded harder, asking what would make it possible would have kept that option open.', evidence: [id('The fixed wake-up time on weekends sounds harder.'), id('So starting with the coffee feels doable.')] },
      { text: 'Before saying goodbye, summarise the plan in the patient’s words and ask whether anything else is on her mind.', evidence: [id('Let’s check in on how it went in two weeks.')] },
    ],
  };
  return assembleAnalysis({
    rubric: FIXTURE_RUBRIC,
    units,
    model: FIXTURE_MODEL,
    coding: { coder: { kind: 'llm', name: FIXTURE_MODEL }, outcome: { ok: true, answer: coding } },
    sections: FIXTURE_RUBRIC.sections.map((s) =>
      s.id === FIXTURE_FAILED_SECTION ? { sectionId: s.id, attempts: 2, outcome: { ok: false as const, reason: FIXTURE_FAILED_REASON } } : { sectionId: s.id, attempts: 1, outcome: { ok: true as const, answer: answers[s.id]! } },
    ),
    narrative: { attempts: 1, outcome: { ok: true, answer: narrative } },
    usage: { calls: 9, retries: 1, promptTokens: 3120, completionTokens: 840 },
  });
}

export interface SampleReportOptions extends SampleAnalysisOptions {
  notices?: readonly string[];
}

/**
 * The bundled sample session (MI rubric) as the report shows it: the ground-truth transcript, its
 * measured metrics and the hand-written sample analysis, with the session's own participants.
 */
export function buildSampleReport(opts: SampleReportOptions = {}): ReportModel {
  const transcript = sampleTranscript();
  const rubric = sampleRubric();
  const analysis = buildSampleAnalysis(opts);
  const session = JSON.parse(readFileSync(path.join(resourcesDir, 'sample-session', 'session.json'), 'utf8')) as { title: string; participants: ReportModel['participants'] };
  return {
    session: { id: 'sess_01JSAMPLE00000000000000000', title: session.title, recordedAt: '2026-11-24T09:30:00Z', durationSec: transcript.durationSec, orgName: 'Riverside Family Practice' },
    participants: session.participants,
    rubric: { id: rubric.id, version: rubric.version, title: rubric.title, attribution: rubric.attribution },
    metrics: computeConversationMetrics({ segments: transcript.segments, durationSec: transcript.durationSec }),
    analysis,
    transcript: { ...transcript, engine: { name: 'whisper.cpp', model: 'base' } },
    notices: [...(opts.notices ?? [])],
    generatedAt: '2026-11-24T09:41:12Z',
    engine: { stt: 'whisper.cpp (base)', llm: analysis.model },
  };
}

/**
 * Everything at its worst for the layout: an hour-long session, very long names, titles, labels,
 * quotes and unbroken words, scales of 0–100 and 0–10, four notices, a point without citations.
 */
export function buildStressReport(): ReportModel {
  const unbroken = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4);
  const m = buildReportFixture({
    durationSec: 62 * 60,
    title: `Annual review with a very long title that keeps going — über-detailed “quoted” naïve café notes ${unbroken}`,
    names: ['Prof. Dr. Maximiliane Schäfer-Löwenstein-Oberhausen', 'Jean-Baptiste Émile Ødegaard-Fitzgerald-Montgomery'],
    notices: Array.from({ length: 4 }, (_, i) => `Notice ${i + 1}: echo detected on channel 0 ${unbroken}; use a headset.`),
  });
  m.participants[1].roleLabel = 'Standardized patient (simulated, trained actor)';
  m.rubric.title = `Motivational Interviewing Treatment Integrity, adapted ${unbroken}`;
  const items = scoredItems(m.analysis);
  const first = items[0]!;
  first.title = `An extremely long rubric item title that must wrap beside its scale ${unbroken}`;
  first.rationale = Array.from({ length: 60 }, () => 'The rationale goes on at length so that it has to continue on the next page.').join(' ');
  first.scaleMin = 0;
  first.scaleMax = 100;
  first.score = 73;
  first.scoreLabel = `A label that is far longer than any rubric would write ${unbroken}`;
  items[1]!.scaleMin = 0;
  items[1]!.scaleMax = 10;
  items[1]!.score = 7;
  // The hour-long axis matters here, not 60 pages of transcript.
  m.analysis.units = m.analysis.units.slice(0, 60);
  const u = m.analysis.units[3]!;
  u.text = `${u.text} ${unbroken} ${'and then it went on and on '.repeat(12)}`;
  first.citations[0] = { ...first.citations[0]!, text: `${'a very long cited unit '.repeat(30)}${unbroken}` };
  if (m.analysis.narrative.status === 'written') {
    m.analysis.narrative.strengths.push({ text: unbroken, citations: [first.citations[0]!], rejected: [] });
    m.analysis.narrative.suggestions.push({ text: 'A suggestion whose model gave no cited unit at all.', citations: [], rejected: [] });
  }
  if (m.analysis.coding?.status === 'coded') {
    m.analysis.coding.counts[0]!.title = `A code title that is much too long ${unbroken}`;
    m.analysis.coding.indicators[0]!.definition = `${unbroken} ÷ ${unbroken}`;
  }
  return m;
}
