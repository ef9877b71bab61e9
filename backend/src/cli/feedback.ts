// `feedback evaluate <audio> [--rubric <id>] [--out <pdf>] [--json <file>]`, `feedback demo`, `feedback audit verify`, `feedback tokens …`, `feedback keys …`, `feedback admin create-org …`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { resourcesDir } from '../paths';
import { createLogger } from '../runtime/log';
import type { EvaluateOptions } from './evaluate-recording';
import { auditUsage, runAuditCommand } from './audit-verify';
import { runTokensCommand, tokensUsage } from './tokens-command';
import { keysUsage, runKeysCommand } from './keys-command';
import { adminUsage, runAdminCommand } from './admin-command';

const usage = `Usage:
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

// `audit` has its own options: dispatch before the evaluate/demo parser sees them.
if (process.argv[2] === 'audit') process.exit(await runAuditCommand(process.argv.slice(3), process.env));
if (process.argv[2] === 'tokens') process.exit(await runTokensCommand(process.argv.slice(3), process.env));
if (process.argv[2] === 'keys') process.exit(await runKeysCommand(process.argv.slice(3), process.env));
if (process.argv[2] === 'admin') process.exit(await runAdminCommand(process.argv.slice(3), process.env));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rubric: { type: 'string' }, out: { type: 'string' }, json: { type: 'string' }, title: { type: 'string' }, names: { type: 'string' }, roles: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const [command, audioArg] = positionals;
if (values.help || !command || !['demo', 'evaluate'].includes(command) || (command === 'evaluate' && !audioArg)) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}

const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
const logger = createLogger(config.logLevel);
let opts: EvaluateOptions;
if (command === 'demo') {
  const dir = path.join(resourcesDir, 'sample-session');
  const s = JSON.parse(readFileSync(path.join(dir, 'session.json'), 'utf8')) as { title: string; rubricId: string; audio: string; participants: { displayName: string; roleLabel: string }[] };
  opts = { audio: path.join(dir, s.audio), title: s.title, rubricId: values.rubric ?? s.rubricId, participants: [s.participants[0]!, s.participants[1]!], outPdf: values.out ?? 'out/sample-session-report.pdf', outJson: values.json ?? 'out/sample-session.json' };
} else {
  const names = (values.names ?? 'Participant A,Participant B').split(',').map((x) => x.trim());
  const roles = (values.roles ?? 'Clinician,Patient').split(',').map((x) => x.trim());
  opts = {
    audio: path.resolve(audioArg!),
    title: values.title ?? path.basename(audioArg!),
    rubricId: values.rubric ?? 'communication-general',
    participants: [{ displayName: names[0] ?? 'Participant A', roleLabel: roles[0] ?? 'Clinician' }, { displayName: names[1] ?? 'Participant B', roleLabel: roles[1] ?? 'Patient' }],
    outPdf: values.out ?? `${path.basename(audioArg!).replace(/\.[^.]+$/, '')}-report.pdf`,
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
