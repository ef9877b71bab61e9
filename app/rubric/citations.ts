import type { TranscriptUnit } from '../transcript/units';
import type { CitedUnit, RejectedCitation } from './analysis';
import type { Focus } from './rubric';

const CHANNEL_OF_FOCUS = { clinician: 0, patient: 1 } as const;

/** Which units a citation for this focus may name: only that speaker's, or anyone's for `both`. */
export function unitsForFocus(units: readonly TranscriptUnit[], focus: Focus): TranscriptUnit[] {
  return focus === 'both' ? [...units] : units.filter((u) => u.channel === CHANNEL_OF_FOCUS[focus]);
}

/**
 * Checks the unit ids a model cited. An id that names no unit is rejected as `unknown_unit`, one of
 * the other speaker than `focus` as `wrong_speaker`; repeats are dropped silently. The accepted
 * units come back in time order with the transcript's own words. Models under a JSON-schema grammar
 * cannot produce a rejected id; remote models that ignore the schema can, and are counted.
 */
export function resolveCitations(ids: readonly string[], index: ReadonlyMap<string, TranscriptUnit>, focus: Focus): { citations: CitedUnit[]; rejected: RejectedCitation[] } {
  const citations: CitedUnit[] = [];
  const rejected: RejectedCitation[] = [];
  const seen = new Set<string>();
  for (const raw of ids) {
    const id = raw.trim();
    if (seen.has(id)) continue;
    seen.add(id);
    const unit = index.get(id);
    if (!unit) rejected.push({ unitId: raw, reason: 'unknown_unit' });
    else if (focus !== 'both' && unit.channel !== CHANNEL_OF_FOCUS[focus]) rejected.push({ unitId: raw, reason: 'wrong_speaker' });
    else citations.push({ ...unit });
  }
  citations.sort((a, b) => a.start - b.start || a.channel - b.channel);
  return { citations, rejected };
}
