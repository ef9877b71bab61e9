import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../backend/src/paths';
import { z } from 'zod';
import { ManagedPolicy, POLICY_KEYS, policyFromValues, type PolicyKey } from './managed-policy';
import { parseManagedPlist } from './policy-sources';

const file = (p: string) => readFileSync(path.join(repoRoot, 'resources/policy', p), 'utf8');
interface El {
  getAttribute(n: string): string | null;
  getElementsByTagName(t: string): ArrayLike<El>;
  textContent: string | null;
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
const tags = (e: El, tag: string) => Array.from(e.getElementsByTagName(tag));
const keys = Object.keys(POLICY_KEYS) as PolicyKey[];
/** The schema's own choices for a key, when it is an enum (z.enum inside .optional()). */
function enumChoices(key: PolicyKey): string[] | null {
  const inner = (ManagedPolicy.shape[POLICY_KEYS[key].field] as z.ZodOptional<z.ZodType>).unwrap();
  return inner instanceof z.ZodEnum ? (inner.options as string[]) : null;
}

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

describe('Group Policy template against the policy schema', () => {
  const admx = xml(file('FeedbackEvaluation.admx'));
  const adml = xml(file('en-US/FeedbackEvaluation.adml'));
  const policy = (key: PolicyKey) => {
    const p = tags(admx, 'policy').find((e) => e.getAttribute('name') === key);
    expect(p, `ADMX policy ${key}`).toBeDefined();
    return p!;
  };

  it('writes each key as the kind the reader takes: a boolean key as DWORD 1/0, a string key from a text or enum element', () => {
    for (const key of keys) {
      const p = policy(key);
      const elements = [...tags(p, 'text'), ...tags(p, 'enum'), ...tags(p, 'decimal').filter((d) => d.getAttribute('valueName')), ...tags(p, 'boolean')];
      if (POLICY_KEYS[key].kind === 'boolean') {
        expect(p.getAttribute('valueName'), key).toBe(key);
        expect(tags(tags(p, 'enabledValue')[0]!, 'decimal')[0]?.getAttribute('value'), key).toBe('1');
        expect(tags(tags(p, 'disabledValue')[0]!, 'decimal')[0]?.getAttribute('value'), key).toBe('0');
        expect(elements, key).toEqual([]);
        // What Group Policy writes (REG_DWORD 1 / 0) is what the reader turns into true / false.
        expect(policyFromValues({ [key]: 1 }, null).policy).toEqual({ [POLICY_KEYS[key].field]: true });
        expect(policyFromValues({ [key]: 0 }, null).policy).toEqual({ [POLICY_KEYS[key].field]: false });
      } else {
        expect(elements.map((e) => e.getAttribute('valueName')), key).toEqual([key]);
        expect(tags(p, 'decimal').length + tags(p, 'boolean').length, key).toBe(0);
      }
    }
  });

  it('offers exactly the schema\'s choices in each drop-down, each accepted by the reader', () => {
    for (const key of keys) {
      const choices = enumChoices(key);
      const enums = tags(policy(key), 'enum');
      if (!choices) {
        expect(enums, `${key} is free text in the schema, so a text box`).toEqual([]);
        continue;
      }
      expect(enums, `${key} is an enum in the schema, so a drop-down`).toHaveLength(1);
      const offered = tags(enums[0]!, 'string').map((s) => s.textContent ?? '');
      expect(offered.sort(), key).toEqual([...choices].sort());
      for (const v of offered) expect(policyFromValues({ [key]: v }, null).problems, `${key}=${v}`).toEqual([]);
    }
  });

  it('has a presentation control for every element, bound by its id', () => {
    const controls = new Map(tags(adml, 'presentation').map((p) => [p.getAttribute('id'), [...tags(p, 'textBox'), ...tags(p, 'dropdownList'), ...tags(p, 'decimalTextBox'), ...tags(p, 'checkBox')].map((c) => c.getAttribute('refId'))]));
    for (const key of keys) {
      const p = policy(key);
      const ids = [...tags(p, 'text'), ...tags(p, 'enum')].map((e) => e.getAttribute('id'));
      if (ids.length === 0) continue;
      const presentation = /^\$\(presentation\.(.+)\)$/.exec(p.getAttribute('presentation') ?? '')?.[1];
      expect(controls.get(presentation ?? null), key).toEqual(ids);
    }
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
    // Booleans as <true/>/<false/> and strings as <string>, as the plist the Mac writes from it.
    for (const key of keys) expect(typeof settings[key], key).toBe(POLICY_KEYS[key].kind);
    const r = policyFromValues(settings, 'profile');
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.policy)).toHaveLength(Object.keys(POLICY_KEYS).length);
  });
});

describe('IT guide (docs/it-guide.md)', () => {
  const guide = readFileSync(path.join(repoRoot, 'docs/it-guide.md'), 'utf8');
  it('lists exactly the managed keys in its table', () => {
    const table = guide.slice(guide.indexOf('| Key | Type | Meaning |'));
    const listed = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...keys].sort());
  });
});
