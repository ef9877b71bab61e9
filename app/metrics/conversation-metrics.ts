import type { Channel, Segment, SpeechRegion } from '../transcript/transcript';
import type { ConversationMetrics, SpeakerMetrics } from './metrics-model';
import { countQuestions } from './questions';
import { firstUncovered, gapsBetween, intersectSpans, totalLength, unionSpans, type Span } from './intervals';

export interface ConversationMetricsInput {
  segments: Segment[];
  durationSec: number;
  /** Voice-activity regions per channel; when given they define speaking time instead of the words. */
  speechRegions?: SpeechRegion[];
}

export interface ConversationMetricsOptions {
  /** Mutual silences at least this long are pauses. Default 1.0 s. */
  pauseThresholdSec?: number;
  /** Speech of one channel separated by less than this is one stretch (gaps between words). Default 0.25 s. */
  joinGapSec?: number;
  /** A stretch shorter than this, said entirely while the other speaks, is a backchannel. Default 1.0 s. */
  backchannelMaxSec?: number;
  /** The interrupted speaker must stop within this many seconds of the interrupter's onset. Default 2.0 s. */
  interruptionWindowSec?: number;
  /** Shorter terminal overlaps are ordinary (slightly early) turn changes, not interruptions. Default 0.25 s. */
  minInterruptionOverlapSec?: number;
}

const DEFAULTS: Required<ConversationMetricsOptions> = {
  pauseThresholdSec: 1.0,
  joinGapSec: 0.25,
  backchannelMaxSec: 1.0,
  interruptionWindowSec: 2.0,
  minInterruptionOverlapSec: 0.25,
};

/**
 * Conversation metrics from channel timing alone (channel = speaker), deterministic and exact.
 *
 * Definitions (all times in seconds, rounded to milliseconds in the output):
 * - **Speaking stretches** of a channel: its speechRegions when given, else the [start, end] of
 *   each word (or of the segment when it has no words), clipped to [0, durationSec] when
 *   durationSec > 0, then merged where they overlap or are less than `joinGapSec` apart.
 * - **Talk time**: total length of a channel's stretches. **Talk ratio**: own talk time / sum of
 *   both talk times (0 for both when nobody spoke).
 * - **Backchannel**: a stretch shorter than `backchannelMaxSec` lying entirely inside one stretch
 *   of the other channel ("mm-hmm" while the other talks). It counts as talk time and overlap but
 *   never takes the floor. All other stretches are **floor stretches**.
 * - **Turns**: the floor passes to a channel at the first instant it speaks alone (a floor stretch
 *   of its own, not covered by the other's floor stretches); it stays with that channel through
 *   silences and overlaps until the other channel speaks alone. A turn starts at the start of the
 *   stretch that took the floor and ends at the end of the last floor stretch of the same channel
 *   that had solo time before the floor passed. Overlapping speech that never has solo time is
 *   not a turn.
 * - **Longest monologue**: the longest turn (end − start, pauses inside the turn included).
 * - **Overlap**: every maximal span where both channels speak (backchannels included); count and
 *   total seconds.
 * - **Interruption** by B of A: a floor stretch of B starts strictly inside a floor stretch of A,
 *   A's stretch ends between `minInterruptionOverlapSec` and `interruptionWindowSec` after B's
 *   onset, and B's stretch continues past A's end. Counted for B (`interruptionsMade`).
 * - **Pauses**: every span between the first and last speech where both channels are silent, at
 *   least `pauseThresholdSec` long, whether or not the speaker changes across it.
 * - **Words**: tokens of a channel's segment texts that contain a letter or digit.
 *   **Speech rate**: words / (talk time / 60), 0 without talk time.
 * - **Questions**: sentences of a channel's segment texts classified by `classifyQuestion`.
 * - **Timeline**: every speaking stretch of both channels, sorted by start then channel.
 */
export function computeConversationMetrics(input: ConversationMetricsInput, options: ConversationMetricsOptions = {}): ConversationMetrics {
  const opts = { ...DEFAULTS, ...options };
  const stretches = [speakingStretches(input, 0, opts.joinGapSec), speakingStretches(input, 1, opts.joinGapSec)] as const;
  const floor = [
    stretches[0].filter((s) => !isBackchannel(s, stretches[1], opts.backchannelMaxSec)),
    stretches[1].filter((s) => !isBackchannel(s, stretches[0], opts.backchannelMaxSec)),
  ] as const;
  const talk = [totalLength(stretches[0]), totalLength(stretches[1])];
  const totalTalk = talk[0]! + talk[1]!;
  const turns = computeTurns(floor);
  const overlaps = intersectSpans(stretches[0], stretches[1]);
  const pauses = gapsBetween(unionSpans([...stretches[0], ...stretches[1]])).filter((g) => g.end - g.start >= opts.pauseThresholdSec - 1e-9);
  const pauseTotal = totalLength(pauses);

  const speaker = (c: Channel): SpeakerMetrics => {
    const other = c === 0 ? 1 : 0;
    const texts = input.segments.filter((s) => s.channel === c).map((s) => s.text);
    const words = texts.reduce((n, t) => n + countWords(t), 0);
    const own = turns.filter((t) => t.channel === c);
    return {
      channel: c,
      talkTimeSec: round(talk[c]!, 3),
      talkRatio: totalTalk > 0 ? round(talk[c]! / totalTalk, 4) : 0,
      turns: own.length,
      words,
      speechRateWpm: talk[c]! > 0 ? round(words / (talk[c]! / 60), 1) : 0,
      longestMonologueSec: round(Math.max(0, ...own.map((t) => t.end - t.start)), 3),
      questions: countQuestions(texts),
      interruptionsMade: countInterruptions(floor[c], floor[other], opts),
      backchannels: stretches[c].length - floor[c].length,
    };
  };

  const timeline = [
    ...stretches[0].map((s) => ({ channel: 0 as const, start: round(s.start, 3), end: round(s.end, 3) })),
    ...stretches[1].map((s) => ({ channel: 1 as const, start: round(s.start, 3), end: round(s.end, 3) })),
  ].sort((a, b) => a.start - b.start || a.channel - b.channel);

  return {
    durationSec: input.durationSec,
    speakers: [speaker(0), speaker(1)],
    overlap: { totalSec: round(totalLength(overlaps), 3), count: overlaps.length },
    pauses: {
      count: pauses.length,
      totalSec: round(pauseTotal, 3),
      longestSec: round(Math.max(0, ...pauses.map((p) => p.end - p.start)), 3),
      meanSec: pauses.length > 0 ? round(pauseTotal / pauses.length, 3) : 0,
      thresholdSec: opts.pauseThresholdSec,
    },
    timeline,
  };
}

function speakingStretches(input: ConversationMetricsInput, channel: Channel, joinGapSec: number): Span[] {
  const raw: Span[] = input.speechRegions
    ? input.speechRegions.filter((r) => r.channel === channel).map((r) => ({ start: r.start, end: r.end }))
    : input.segments
        .filter((s) => s.channel === channel)
        .flatMap((s) => (s.words.length > 0 ? s.words.map((w) => ({ start: w.start, end: w.end })) : [{ start: s.start, end: s.end }]));
  const limit = input.durationSec > 0 ? input.durationSec : Infinity;
  const clipped = raw.map((s) => ({ start: Math.max(0, s.start), end: Math.min(limit, s.end) }));
  return unionSpans(clipped, joinGapSec);
}

function isBackchannel(s: Span, other: Span[], maxSec: number): boolean {
  if (s.end - s.start >= maxSec) return false;
  return other.some((o) => o.start <= s.start && s.end <= o.end);
}

interface Turn {
  channel: Channel;
  start: number;
  end: number;
}

function computeTurns(floor: readonly [Span[], Span[]]): Turn[] {
  const events: { at: number; channel: Channel; span: Span }[] = [];
  for (const c of [0, 1] as const) {
    const other = floor[c === 0 ? 1 : 0];
    for (const span of floor[c]) {
      const at = firstUncovered(span, other);
      if (at !== null) events.push({ at, channel: c, span });
    }
  }
  events.sort((a, b) => a.at - b.at);
  const turns: Turn[] = [];
  for (const e of events) {
    const current = turns[turns.length - 1];
    if (current && current.channel === e.channel) current.end = Math.max(current.end, e.span.end);
    else turns.push({ channel: e.channel, start: e.span.start, end: e.span.end });
  }
  return turns;
}

function countInterruptions(mine: Span[], theirs: Span[], opts: Required<ConversationMetricsOptions>): number {
  let n = 0;
  for (const j of mine) {
    const i = theirs.find((t) => t.start < j.start && j.start < t.end);
    if (!i) continue;
    const overlap = i.end - j.start;
    if (overlap >= opts.minInterruptionOverlapSec - 1e-9 && overlap <= opts.interruptionWindowSec + 1e-9 && j.end > i.end) n++;
  }
  return n;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((t) => /[\p{L}\p{N}]/u.test(t)).length;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
