import type { z } from 'zod';
import type { Result } from './result';

/**
 * One contract per feature (the loot-core handler-map pattern): channel name → zod schemas of the
 * input and the output. The same schema validates at the boundary and gives both sides their type.
 */
export type ContractMap = { [channel: string]: { input: z.ZodType; output: z.ZodType } };

/** What a caller passes (before defaults and coercion are applied). */
export type InputOf<C extends ContractMap, K extends keyof C> = z.input<C[K]['input']>;
/** What a handler receives: the input after the schema parsed it. */
export type ParsedInputOf<C extends ContractMap, K extends keyof C> = z.output<C[K]['input']>;
export type OutputOf<C extends ContractMap, K extends keyof C> = z.output<C[K]['output']>;

/** The transport-free implementation of a contract; adapters (IPC, WebSocket) register it. */
export type HandlerMap<C extends ContractMap> = {
  [K in keyof C]: (input: ParsedInputOf<C, K>) => Promise<OutputOf<C, K>>;
};

/** Events pushed from the main process to its clients: event name → payload schema. */
export type EventContract = { [event: string]: z.ZodType };
export type EventPayloadOf<E extends EventContract, K extends keyof E> = z.output<E[K]>;
export type EventListener<E extends EventContract> = <K extends keyof E & string>(event: K, payload: EventPayloadOf<E, K>) => void;

/** What a renderer (through the preload or the WebSocket bridge) sees: typed both ways, errors as data. */
export interface ContractClient<C extends ContractMap, E extends EventContract> {
  send<K extends keyof C & string>(channel: K, input: InputOf<C, K>): Promise<Result<OutputOf<C, K>>>;
  on<K extends keyof E & string>(event: K, listener: (payload: EventPayloadOf<E, K>) => void): () => void;
}
