// `feedback evaluate <audio> [--rubric <id>] [--out <pdf>] [--json <file>]`, `feedback demo`, `feedback --version`, `feedback audit verify`, `feedback tokens …`, `feedback keys …`, `feedback admin create-org …`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { resourcesDir } from '../paths';
import { createLogger } from '../runtime/log';
import type { EvaluateOptions } from './evaluate-recording';
import { parseFeedbackArgs } from './feedback-args';
import { answerUsage, productVersion } from './usage';
import { auditUsage, runAuditCommand } from './audit-verify';
import { runTokensCommand, tokensUsage } from './tokens-command';
import { keysUsage, runKeysCommand } from './keys-command';
import { adminUsage, runAdminCommand } from './admin-command';

const usage = `Usage:
  feedback --version | --help
  feedback demo [--out <pdf>] [--json <file>]
      Evaluate the bundled sample session (resources/sample-session) end to end.
  feedback evaluate <stereo-audio> [--rubric <id>] [--out <pdf>] [--json <file>]
                    [--title <text>] [--names "<channel 0 name>,<channel 1 name>"] [--roles "Clinician,Patient"]
      Channel 0 is the session owner (clinician), channel 1 the other person.
      The operator attests that both people consented to the recording and its analysis.
${auditUsage.replace(/^Usage:\n/, '')}
${tokensUsage.replace(/^Usage:\n/, '')}
${keysUsage.replace(/^Usage:\n/, '')}
${adminUsage.replace(/^Usage:\n/, '')}`;

// The sub-commands have their own options: dispatch before the evaluate/demo parser sees them.
const runners = new Map<string | undefined, typeof runAuditCommand>([['audit', runAuditCommand], ['tokens', runTokensCommand], ['keys', runKeysCommand], ['admin', runAdminCommand]]);
const runner = runners.get(process.argv[2]);
if (runner) process.exit(await runner(process.argv.slice(3), process.env));

const args = parseFeedbackArgs(process.argv.slice(2));
if (args.kind === 'version') {
  console.log(productVersion());
  process.exit(0);
}
if (args.kind === 'help') process.exit(answerUsage('', '', usage));
if (args.kind === 'usage-error') process.exit(answerUsage('', args.message, usage, { withUsage: args.withUsage }));
const values = args.values;

const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
const logger = createLogger(config.logLevel);
let opts: EvaluateOptions;
if (args.kind === 'demo') {
  const dir = path.join(resourcesDir, 'sample-session');
  const s = JSON.parse(readFileSync(path.join(dir, 'session.json'), 'utf8')) as { title: string; rubricId: string; audio: string; participants: { displayName: string; roleLabel: string }[] };
  opts = { audio: path.join(dir, s.audio), title: s.title, rubricId: values.rubric ?? s.rubricId, participants: [s.participants[0]!, s.participants[1]!], outPdf: values.out ?? 'out/sample-session-report.pdf', outJson: values.json ?? 'out/sample-session.json' };
} else {
  const names = (values.names ?? 'Participant A,Participant B').split(',').map((x) => x.trim());
  const roles = (values.roles ?? 'Clinician,Patient').split(',').map((x) => x.trim());
  opts = {
    audio: path.resolve(args.audio),
    title: values.title ?? path.basename(args.audio),
    rubricId: values.rubric ?? 'communication-general',
    participants: [{ displayName: names[0] ?? 'Participant A', roleLabel: roles[0] ?? 'Clinician' }, { displayName: names[1] ?? 'Participant B', roleLabel: roles[1] ?? 'Patient' }],
    outPdf: values.out ?? `${path.basename(args.audio).replace(/\.[^.]+$/, '')}-report.pdf`,
    outJson: values.json,
  };
}

if (config.databaseUrl) {
  const { externalDatabaseRefusal } = await import('./evaluate-recording');
  console.error(`Refused [config.invalid]: ${externalDatabaseRefusal().message}`);
  process.exit(2);
}

const t0 = Date.now();
console.error('Starting the embedded runtime (PostgreSQL, Temporal, worker, models)…');
// Loaded here, not at the top: the runtime (Temporal, models) takes seconds to import and `audit` needs none of it.
const { startRuntime } = await import('../runtime/runtime');
const { evaluateRecording } = await import('./evaluate-recording');
const rt = await startRuntime(config, { api: false, worker: true, log: (c) => logger.child(c) }).catch((e: Error) => {
  console.error(`Could not start: ${e.message}`);
  process.exit(1);
});
let exitCode = 0;
try {
  console.error(`Runtime ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. Evaluating ${path.relative(process.cwd(), opts.audio)} with rubric ${opts.rubricId}…`);
  const r = await evaluateRecording(rt, opts);
  console.error(`Done in ${r.seconds.toFixed(1)} s (${r.pages} pages).${r.jsonPath ? ` JSON: ${r.jsonPath}` : ''}`);
  console.log(r.pdfPath);
} catch (e) {
  const err = e as { code?: string; message: string };
  console.error(`Evaluation failed${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
  exitCode = 1;
} finally {
  await rt.stop();
}
// Explicit: native add-ons (Temporal core, whisper.cpp) may otherwise decide the exit status.
process.exit(exitCode);
