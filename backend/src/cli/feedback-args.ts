// The top-level `feedback` arguments (demo / evaluate), parsed into data so bad usage is answered
// without starting anything and without a stack trace.
import { parseArgs } from 'node:util';
import { parseArgsMessage } from './usage';

export interface EvaluateArgs {
  rubric?: string;
  out?: string;
  json?: string;
  title?: string;
  names?: string;
  roles?: string;
}

export type FeedbackArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  /** `withUsage`: the command itself is unknown or missing, so the list of commands is shown too. */
  | { kind: 'usage-error'; message: string; withUsage: boolean }
  | { kind: 'demo'; values: EvaluateArgs }
  | { kind: 'evaluate'; audio: string; values: EvaluateArgs };

export function parseFeedbackArgs(argv: string[]): FeedbackArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { rubric: { type: 'string' }, out: { type: 'string' }, json: { type: 'string' }, title: { type: 'string' }, names: { type: 'string' }, roles: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    });
  } catch (e) {
    return { kind: 'usage-error', message: parseArgsMessage(e), withUsage: false };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const { help: _help, version: _version, ...rest } = values;
  const [command, audio, ...extra] = positionals;
  if (!command) return { kind: 'usage-error', message: 'Name a command.', withUsage: true };
  if (command === 'demo') return audio === undefined ? { kind: 'demo', values: rest } : { kind: 'usage-error', message: `Unexpected argument(s): ${positionals.slice(1).join(' ')}`, withUsage: false };
  if (command !== 'evaluate') return { kind: 'usage-error', message: `Unknown command '${command}'.`, withUsage: true };
  if (!audio) return { kind: 'usage-error', message: 'Name the stereo recording to evaluate.', withUsage: false };
  if (extra.length) return { kind: 'usage-error', message: `Unexpected argument(s): ${extra.join(' ')}`, withUsage: false };
  return { kind: 'evaluate', audio, values: rest };
}
