import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { LlamaChat, resolveChatWrapper, type ChatHistoryItem, type ChatWrapper, type GbnfJsonSchema, type Llama, type LlamaContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import { AppError } from '../../../app/contracts/errors';
import { sharedLlama } from './shared-llama';
import { toGrammarSchema } from './grammar-schema';

export type LlmLog = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
};

export type CompletionInput = {
  history: ChatHistoryItem[];
  /** `null`: free text; otherwise a JSON schema the output must follow. */
  jsonSchema: Record<string, unknown> | null;
  maxTokens?: number;
  temperature: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  signal?: AbortSignal;
  onText?: (text: string) => void;
};

export type CompletionResult = {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  /** Wall time until the first generated token (prompt processing) and after it (generation). */
  promptMs: number;
  generationMs: number;
};

/**
 * One model, one context, one sequence: requests run strictly one after another, because a
 * llama.cpp sequence holds a single conversation state and interleaving would corrupt it.
 */
export class LlamaEngine {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private closed = false;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chat: LlamaChat,
    readonly contextSize: number,
    readonly threads: number,
    private readonly log?: LlmLog,
  ) {}

  static async load(opts: { modelPath: string; contextSize: number; threads?: number; log?: LlmLog }): Promise<{ engine: LlamaEngine; loadMs: number }> {
    const started = performance.now();
    try {
      await access(opts.modelPath);
    } catch (cause) {
      throw new AppError('llm.unavailable', `local LLM model not found at ${opts.modelPath}: run the model setup first`, { cause });
    }
    const log = opts.log;
    const llama = await sharedLlama(log);
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: opts.modelPath });
      const threads = engineThreads(opts.threads);
      const context = await model.createContext({ contextSize: opts.contextSize, threads });
      const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: ggufChatWrapper(model) });
      const loadMs = performance.now() - started;
      log?.info(
        { modelPath: opts.modelPath, contextSize: context.contextSize, threads, ...(opts.threads !== undefined && opts.threads !== threads ? { threadsRequested: opts.threads } : {}), chatWrapper: chat.chatWrapper.wrapperName, loadMs: Math.round(loadMs) },
        'local LLM loaded',
      );
      return { engine: new LlamaEngine(llama, model, context, chat, context.contextSize, threads, log), loadMs };
    } catch (cause) {
      await model?.dispose();
      throw new AppError('llm.unavailable', `could not load the local LLM from ${opts.modelPath}`, { cause });
    }
  }

  /** The chat template in use (`JinjaTemplate`: the GGUF's own) and the threads it runs on. */
  get chatWrapperName(): string {
    return this.chat.chatWrapper.wrapperName;
  }

  /** The exact text the model reads for a history, before the answer it is to write. */
  formatPrompt(history: readonly ChatHistoryItem[]): string {
    return this.chat.chatWrapper.generateContextState({ chatHistory: withOpenAnswer(history) }).contextText.toString();
  }

  complete(input: CompletionInput): Promise<CompletionResult> {
    if (this.closed) return Promise.reject(new AppError('llm.unavailable', 'the local LLM is shutting down'));
    const run = this.tail.then(() => this.completeNow(input));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    this.chat.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }

  private async completeNow(input: CompletionInput): Promise<CompletionResult> {
    if (input.signal?.aborted) throw new AppError('request.invalid', 'request was aborted by the client', { status: 499 });
    const grammar = input.jsonSchema ? await this.grammarFor(input.jsonSchema) : undefined;
    const history = withOpenAnswer(input.history);
    const promptTokens = this.chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer).length;
    const room = this.contextSize - promptTokens;
    if (room < 1 || (input.maxTokens !== undefined && input.maxTokens > room)) {
      // llama.cpp would otherwise shift the context and silently forget the start of the prompt.
      throw new AppError('request.invalid', `prompt (${promptTokens} tokens) plus max_tokens (${input.maxTokens ?? 'unset'}) exceeds the context size ${this.contextSize}`, {
        status: 400,
        details: { promptTokens, contextSize: this.contextSize },
      });
    }
    const started = performance.now();
    let firstTokenAt: number | undefined;
    let completionTokens = 0;
    const result = await this.chat.generateResponse(history, {
      ...(grammar ? { grammar } : {}),
      maxTokens: input.maxTokens ?? room,
      temperature: input.temperature,
      ...(input.topP !== undefined ? { topP: input.topP } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      ...(input.stop?.length ? { customStopTriggers: input.stop } : {}),
      ...(input.signal ? { signal: input.signal, stopOnAbortSignal: true } : {}),
      onToken: (tokens) => {
        firstTokenAt ??= performance.now();
        completionTokens += tokens.length;
      },
      ...(input.onText ? { onTextChunk: input.onText } : {}),
    });
    const ended = performance.now();
    return {
      text: result.response,
      finishReason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
      promptTokens,
      completionTokens,
      promptMs: (firstTokenAt ?? ended) - started,
      generationMs: firstTokenAt === undefined ? 0 : ended - firstTokenAt,
    };
  }

  private grammarFor(jsonSchema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(jsonSchema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      const { schema, dropped } = toGrammarSchema(jsonSchema);
      if (dropped.length > 0) this.log?.info({ dropped }, 'JSON schema keywords not enforced by the grammar');
      // The schema is only known at run time, so the library's compile-time inference has nothing to infer.
      const create = this.llama.createGrammarForJsonSchema.bind(this.llama) as (s: GbnfJsonSchema) => Promise<LlamaGrammar>;
      grammar = create(schema);
      grammar.catch(() => this.grammars.delete(key));
      if (this.grammars.size >= 32) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, grammar);
    }
    return grammar;
  }
}

/** The history with an empty model turn at the end, the one generation fills. */
function withOpenAnswer(history: readonly ChatHistoryItem[]): ChatHistoryItem[] {
  return history.at(-1)?.type === 'model' ? [...history] : [...history, { type: 'model', response: [] }];
}

/**
 * node-llama-cpp's default thread count exceeded the cores here (4 on 2) and generation fell to
 * 0.3 tokens/s from spinning threads: never more threads than cores (docs/decisions/009).
 */
export function engineThreads(requested: number | undefined, cores = availableParallelism()): number {
  return Math.max(1, Math.min(requested ?? cores, cores));
}

/**
 * The GGUF's own chat template (for Qwen2.5: ChatML with its default system line) rendered by
 * node-llama-cpp's Jinja wrapper, rather than the library's look-alike that drops that line; a
 * GGUF without a template (a base model) gets the library's best guess.
 */
function ggufChatWrapper(model: LlamaModel): ChatWrapper {
  if (!model.fileInfo.metadata.tokenizer?.chat_template) return resolveChatWrapper(model);
  return resolveChatWrapper(model, { type: 'jinjaTemplate', fallbackToOtherWrappersOnJinjaError: false });
}
