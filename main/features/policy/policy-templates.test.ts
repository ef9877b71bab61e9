import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../backend/src/paths';
import { POLICY_KEYS } from './managed-policy';
import { parseManagedPlist } from './policy-sources';
import { policyFromValues } from './managed-policy';

const file = (p: string) => readFileSync(path.join(repoRoot, 'resources/policy', p), 'utf8');
interface El {
  getAttribute(n: string): string | null;
  getElementsByTagName(t: string): ArrayLike<El>;
}
// Untyped, as backend/src/auth/xml-dom.ts: xmldom's typings would pull the DOM lib into the Node build.
const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: new (o: { errorHandler: Record<string, (m: string) => void> }) => { parseFromString(x: string, t: string): El } };
/** Parses strictly: any xmldom warning or error fails. */
function xml(text: string): El {
  const errors: string[] = [];
  const on = (level: string) => (m: string) => void errors.push(`${level}: ${m}`);
  const doc = new DOMParser({ errorHandler: { warning: on('warning'), error: on('error'), fatalError: on('fatal') } }).parseFromString(text, 'text/xml');
  expect(errors).toEqual([]);
  return doc;
}
const attrs = (doc: El, tag: string, attr: string) => Array.from(doc.getElementsByTagName(tag)).map((e) => e.getAttribute(attr) ?? '');

describe('Group Policy template', () => {
  const admx = xml(file('FeedbackEvaluation.admx'));
  const adml = xml(file('en-US/FeedbackEvaluation.adml'));

  it('defines exactly the keys the reader knows, each under the policy key as a machine policy', () => {
    const policies = Array.from(admx.getElementsByTagName('policy'));
    const valueNames = policies.map((p) => p.getAttribute('valueName') || Array.from(p.getElementsByTagName('*')).find((e) => e.getAttribute('valueName'))?.getAttribute('valueName'));
    expect(valueNames.sort()).toEqual(Object.keys(POLICY_KEYS).sort());
    for (const p of policies) {
      expect(p.getAttribute('key')).toBe('Software\\Policies\\FeedbackEvaluation');
      expect(p.getAttribute('class')).toBe('Machine');
    }
  });

  it('every string and presentation the ADMX names is in the ADML', () => {
    const strings = new Set(attrs(adml, 'string', 'id'));
    const presentations = new Set(attrs(adml, 'presentation', 'id'));
    const refs = file('FeedbackEvaluation.admx').matchAll(/\$\((string|presentation)\.([A-Za-z_]+)\)/g);
    for (const [, kind, id] of refs) expect(kind === 'string' ? strings.has(id!) : presentations.has(id!), `${kind}.${id}`).toBe(true);
  });
});

describe('sample configuration profile', () => {
  const text = file('FeedbackEvaluation.mobileconfig');
  it('is a well-formed plist whose settings payload the reader accepts without a problem', () => {
    xml(text);
    const profile = parseManagedPlist(text) as { PayloadContent: Record<string, unknown>[] };
    const payload = profile.PayloadContent[0]!;
    expect(payload.PayloadType).toBe('org.feedback-evaluation.desktop');
    const settings = Object.fromEntries(Object.entries(payload).filter(([k]) => !k.startsWith('Payload')));
    expect(Object.keys(settings).sort()).toEqual(Object.keys(POLICY_KEYS).sort());
    const r = policyFromValues(settings, 'profile');
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.policy)).toHaveLength(Object.keys(POLICY_KEYS).length);
  });
});
