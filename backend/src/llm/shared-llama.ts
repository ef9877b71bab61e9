import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

export type LlamaLog = { warn(obj: object, msg?: string): void };

/** llama.cpp messages that are expected and say nothing to an operator (see the notes). */
const EXPECTED_LOG = [
  // node-llama-cpp checks that detokenize(tokenize(x)) == x; an uncased WordPiece model lowercases
  // and llama.cpp's WPM detokenizer adds a leading space, so this is expected, not a defect.
  /tokenize text and then detokenize it resulted in a different text/,
  // node-llama-cpp marks only the last token as output; pooling needs all, llama.cpp says so per batch.
  /embeddings required but some input tokens were not marked as outputs/,
];

let instance: Promise<Llama> | undefined;
let current: LlamaLog | undefined;

/**
 * The one llama.cpp binding of the process, shared by the chat engine and the sentence embedder
 * and never disposed (models and contexts are). llama.cpp has one log callback per process: with a
 * Llama instance each, the second one's load took it over and, once that one was disposed, the
 * embedder's per-batch warnings went straight to stderr (45 lines in one `npm run demo`).
 * Messages go to the last log given, minus the expected ones.
 */
export function sharedLlama(log?: LlamaLog): Promise<Llama> {
  if (log) current = log;
  instance ??= getLlama({
    gpu: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      if (EXPECTED_LOG.some((re) => re.test(message))) return;
      current?.warn({ level, llama: message.trim() }, 'llama.cpp');
    },
  });
  return instance;
}
