/**
 * Synthesises every contrast pair (bench/evaluation-set/contrast-pairs/<scenario>/{good,poor}.json)
 * into a stereo WAV with its ground truth, the way the sample session is made (espeak-ng + sox,
 * clinician on channel 0, patient on channel 1), and checks that each plays as its ground truth says.
 *
 *   npm run evalset:audio [-- --out <dir>] [--only <scenario>] [--force]
 *
 * Output (not committed), by default under <data dir>/evaluation-set/contrast-pairs/:
 *   <scenario>/<version>/session.wav, ground-truth.json (times and codes per line), session.json,
 *   manifest.json (what it was made from), and index.json over all of them.
 * Synthesis is deterministic: the same script, voices and rate give the same bytes, so an output
 * whose manifest matches the script is reused instead of made again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../backend/src/config';
import { ESPEAK_VOICES, ESPEAK_WORDS_PER_MINUTE, synthesizeSession } from '../sample-session/make-sample-session';
import { GroundTruth, type SessionScript } from '../sample-session/session-script';
import { contrastPairsDir, loadContrastPairs, VERSIONS, type Version } from './contrast-pairs';
import { checkSessionAudio, type SessionAudioReport } from './session-audio-check';

const SAMPLE_RATE = 16000;
/** Bump when the way sessions are made changes, so cached outputs are made again. */
const RECIPE = 1;

export interface MadeSession {
  scenario: string;
  version: Version;
  dir: string;
  wav: string;
  groundTruth: string;
  sha256: string;
  reused: boolean;
  audio: SessionAudioReport;
}

/** One line of index.json: where a synthesised session is, relative to the output folder. */
export interface IndexEntry {
  scenario: string;
  version: Version;
  wav: string;
  groundTruth: string;
  sha256: string;
  durationSec: number;
  problems: string[];
}

export interface MakeOptions {
  outDir: string;
  pairsDir?: string;
  only?: string[];
  force?: boolean;
  log?: (message: string) => void;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** What an output is made from: if this matches the stored manifest, the stored output is the same. */
export const recipeKey = (script: SessionScript) =>
  sha256(JSON.stringify({ recipe: RECIPE, script, voices: ESPEAK_VOICES, wordsPerMinute: ESPEAK_WORDS_PER_MINUTE, sampleRate: SAMPLE_RATE }));

/** Synthesises (or reuses) one script into `dir` and checks the audio against its ground truth. */
export async function makeSession(script: SessionScript, dir: string, opts: { force?: boolean; onProgress?: (spoken: number, distinct: number) => void } = {}): Promise<Omit<MadeSession, 'scenario' | 'version'>> {
  const key = recipeKey(script);
  const wav = path.join(dir, 'session.wav');
  const groundTruth = path.join(dir, 'ground-truth.json');
  const manifestFile = path.join(dir, 'manifest.json');
  if (!opts.force) {
    const reused = await readFile(manifestFile, 'utf8')
      .then(async (text) => {
        const manifest = JSON.parse(text) as { key?: string; sha256?: string };
        const bytes = await readFile(wav);
        return manifest.key === key && manifest.sha256 === sha256(bytes) ? { bytes, truth: GroundTruth.parse(JSON.parse(await readFile(groundTruth, 'utf8'))) } : null;
      })
      .catch(() => null);
    if (reused) return { dir, wav, groundTruth, sha256: sha256(reused.bytes), reused: true, audio: checkSessionAudio(reused.bytes, reused.truth) };
  }
  await rm(dir, { recursive: true, force: true });
  const made = await synthesizeSession(script, { outDir: dir, sampleRate: SAMPLE_RATE, voices: ESPEAK_VOICES, wordsPerMinute: ESPEAK_WORDS_PER_MINUTE, onProgress: opts.onProgress });
  const bytes = await readFile(made.wavPath);
  const audio = checkSessionAudio(bytes, made.groundTruth);
  const session = { title: script.title, language: script.language, participants: script.participants, audio: 'session.wav', groundTruth: 'ground-truth.json' };
  await writeFile(path.join(dir, 'session.json'), JSON.stringify(session, null, 2) + '\n');
  await writeFile(manifestFile, JSON.stringify({ key, sha256: sha256(bytes), durationSec: audio.durationSec, madeAt: new Date().toISOString() }, null, 2) + '\n');
  return { dir, wav, groundTruth, sha256: sha256(bytes), reused: false, audio };
}

export async function makeContrastSessions(opts: MakeOptions): Promise<MadeSession[]> {
  const log = opts.log ?? (() => {});
  const pairs = (await loadContrastPairs(opts.pairsDir ?? contrastPairsDir)).filter((p) => !opts.only?.length || opts.only.includes(p.scenario));
  if (opts.only?.length && pairs.length !== opts.only.length) throw new Error(`unknown scenario in --only ${opts.only.join(',')}`);
  const jobs = pairs.flatMap((p) => VERSIONS.map((version) => ({ pair: p, version })));
  const made: MadeSession[] = [];
  for (const [i, { pair, version }] of jobs.entries()) {
    const label = `[${i + 1}/${jobs.length}] ${pair.scenario}/${version}`;
    let lastLogged = 0;
    const result = await makeSession(pair.scripts[version], path.join(opts.outDir, pair.scenario, version), {
      force: opts.force,
      onProgress: (spoken, distinct) => {
        if (spoken === distinct || spoken - lastLogged >= 10) {
          lastLogged = spoken;
          log(`${label}: spoken ${spoken}/${distinct} lines`);
        }
      },
    });
    const a = result.audio;
    log(`${label}: ${result.reused ? 'reused' : 'made'} ${a.durationSec} s, ${a.channels} channels, speech ${Math.round(a.speechShare[0] * 100)} % clinician / ${Math.round(a.speechShare[1] * 100)} % patient${a.problems.length ? `, PROBLEMS: ${a.problems.join('; ')}` : ', plays as its ground truth says'}`);
    made.push({ scenario: pair.scenario, version, ...result });
  }
  // With --only, the other scenarios' entries of an earlier run stay in the index.
  const indexFile = path.join(opts.outDir, 'index.json');
  const earlier = (await readFile(indexFile, 'utf8').then((t) => JSON.parse(t) as IndexEntry[]).catch(() => [] as IndexEntry[])).filter((e) => !made.some((m) => m.scenario === e.scenario));
  const index: IndexEntry[] = [
    ...earlier,
    ...made.map((m) => ({ scenario: m.scenario, version: m.version, wav: path.relative(opts.outDir, m.wav), groundTruth: path.relative(opts.outDir, m.groundTruth), sha256: m.sha256, durationSec: m.audio.durationSec, problems: m.audio.problems })),
  ].sort((x, y) => x.scenario.localeCompare(y.scenario) || x.version.localeCompare(y.version));
  await mkdir(opts.outDir, { recursive: true });
  await writeFile(indexFile, JSON.stringify(index, null, 2) + '\n');
  return made;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const outDir = path.resolve(arg('--out') ?? path.join(loadConfig().dataDir, 'evaluation-set', 'contrast-pairs'));
  const only = arg('--only')?.split(',').filter(Boolean);
  const t0 = performance.now();
  const made = await makeContrastSessions({ outDir, only, force: argv.includes('--force'), log: (m) => console.log(`[evalset:audio] ${m}`) });
  const failed = made.filter((m) => m.audio.problems.length > 0);
  console.log(`[evalset:audio] ${made.length} sessions in ${outDir} (${((performance.now() - t0) / 1000).toFixed(1)} s)${failed.length ? `; ${failed.length} with problems` : ''}`);
  if (failed.length) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
