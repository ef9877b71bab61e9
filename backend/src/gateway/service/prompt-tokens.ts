import type { ChatMessage } from '../../llm/chat-request';
import { messageText } from '../../llm/chat-request';

/**
 * An upper bound on a prompt's tokens without a tokenizer: BPE vocabularies average ~4 characters
 * per token on English and rarely go below 3, plus a few tokens of framing per message. An
 * underestimate is not a budget hole (settle records the real cost), only a smaller reservation.
 */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let tokens = 3;
  for (const m of messages) tokens += 4 + Math.ceil(messageText(m).length / 3);
  return tokens;
}

/** Output tokens of a stream whose provider reported no usage. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 3);
}
