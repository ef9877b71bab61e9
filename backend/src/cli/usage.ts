// How every `feedback` command answers bad usage: one line on stderr and exit status 2, so a script
// sees why it failed without a stack trace; asked-for help goes to stdout with status 0.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths';

/** Exit status of a usage error (the conventional one of shells and getopt). */
export const USAGE_EXIT = 2;

/** The product's version, from the package.json next to the code that runs. */
export function productVersion(): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The message of a `node:util` parseArgs refusal, without its advice on `--` (it is about positionals we never take). */
export function parseArgsMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*To specify a positional argument.*$/s, '');
}

/**
 * Answers a usage problem of `feedback <command>`: `''` means help was asked for (usage on stdout,
 * exit 0); any other message is printed as one line on stderr (exit 2), followed by the usage when
 * `withUsage` (an unknown or missing sub-command, where the list of commands is the answer).
 */
export function answerUsage(command: string, problem: string, usage: string, opts: { withUsage?: boolean } = {}): number {
  if (!problem) {
    console.log(usage);
    return 0;
  }
  const name = command ? `feedback ${command}` : 'feedback';
  console.error(`${name}: ${problem.replace(/\s+/g, ' ').trim()} (see \`${name} --help\`)`);
  if (opts.withUsage) console.error(usage);
  return USAGE_EXIT;
}
