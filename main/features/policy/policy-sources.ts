import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import plist from 'plist';
import { policyFromValues, type PolicyReading } from './managed-policy';

export const WINDOWS_POLICY_KEYS = ['HKLM\\Software\\Policies\\FeedbackEvaluation', 'HKCU\\Software\\Policies\\FeedbackEvaluation'] as const;
export const macPolicyFile = (bundleId: string) => `/Library/Managed Preferences/${bundleId}.plist`;
export const LINUX_POLICY_FILE = '/etc/feedback-evaluation/policy.json';

/**
 * `reg query <key>` output → name/value pairs. REG_SZ and REG_EXPAND_SZ stay strings, REG_DWORD
 * (0x…) becomes a number; other types are kept as their text for policyFromValues to refuse.
 */
export function parseRegQuery(output: string): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const line of output.split(/\r?\n/)) {
    const m = /^ {4}(\S(?:.*?\S)?) {4}(REG_[A-Z_]+) {4}(.*)$/.exec(line) ?? /^ {4}(\S(?:.*?\S)?) {4}(REG_[A-Z_]+)$/.exec(line);
    if (!m) continue;
    const [, name, type, data = ''] = m;
    values[name!] = type === 'REG_DWORD' || type === 'REG_QWORD' ? Number.parseInt(data, 16) : data;
  }
  return values;
}

/** Machine policy first; a user policy fills only keys the machine leaves open. */
export async function readWindowsPolicy(run: (key: string) => Promise<string | null> = regQuery): Promise<PolicyReading> {
  const [machine, user] = await Promise.all(WINDOWS_POLICY_KEYS.map((k) => run(k)));
  const values = { ...(user ? parseRegQuery(user) : {}), ...(machine ? parseRegQuery(machine) : {}) };
  return policyFromValues(values, machine || user ? (machine ? WINDOWS_POLICY_KEYS[0] : WINDOWS_POLICY_KEYS[1]) : null);
}

async function regQuery(key: string): Promise<string | null> {
  // A missing key is exit code 1 ("unable to find"): no policy, not an error.
  return promisify(execFile)('reg', ['query', key], { windowsHide: true, timeout: 10_000 }).then((r) => r.stdout, () => null);
}

export function parseManagedPlist(xml: string): Record<string, unknown> {
  const v = plist.parse(xml);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('managed preferences are not a dictionary');
  return v as Record<string, unknown>;
}

async function readText(file: string): Promise<string | null> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
}

/** Profile bookkeeping (PayloadUUID, PayloadIdentifier, …) an MDM may leave beside the settings: never a setting. */
const withoutPayloadKeys = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('Payload')));

export async function readMacPolicy(file: string): Promise<PolicyReading> {
  const xml = await readText(file);
  if (xml === null) return { policy: {}, source: null, problems: [] };
  try {
    return policyFromValues(withoutPayloadKeys(parseManagedPlist(xml)), file);
  } catch (e) {
    return { policy: {}, source: file, problems: [{ key: '(file)', code: 'policy.invalid', message: `${file}: ${(e as Error).message}` }] };
  }
}

export async function readLinuxPolicy(file: string = LINUX_POLICY_FILE): Promise<PolicyReading> {
  const text = await readText(file);
  if (text === null) return { policy: {}, source: null, problems: [] };
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return policyFromValues(v as Record<string, unknown>, file);
  } catch (e) {
    return { policy: {}, source: file, problems: [{ key: '(file)', code: 'policy.invalid', message: `${file}: ${(e as Error).message}` }] };
  }
}

/** The policy of this machine (main/index.ts calls it once at start). */
export function readManagedPolicy(platform: NodeJS.Platform, bundleId: string): Promise<PolicyReading> {
  if (platform === 'win32') return readWindowsPolicy();
  if (platform === 'darwin') return readMacPolicy(macPolicyFile(bundleId));
  return readLinuxPolicy();
}
