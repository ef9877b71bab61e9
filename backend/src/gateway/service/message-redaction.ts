import { emptyRedactionState, redact, type RedactionContext, type RedactionState } from '../../../../app/redaction/redaction';
import type { ChatMessage } from '../../llm/chat-request';

export interface RedactedMessages {
  messages: ChatMessage[];
  /** Placeholder ↔ original for this request only: kept in memory, never sent, never logged. */
  state: RedactionState;
  /** Non-zero counts per kind, for the audit record. */
  counts: Record<string, number>;
}

/** Every text of every message, sharing one state so a name gets the same placeholder everywhere. */
export function redactMessages(messages: readonly ChatMessage[], ctx: RedactionContext): RedactedMessages {
  let state = emptyRedactionState();
  const counts: Record<string, number> = {};
  const one = (text: string): string => {
    const r = redact(text, ctx, state);
    state = r.state;
    for (const [k, n] of Object.entries(r.counts)) if (n > 0) counts[k] = (counts[k] ?? 0) + n;
    return r.text;
  };
  const out = messages.map((m): ChatMessage => {
    if (m.content === null) return m;
    if (typeof m.content === 'string') return { ...m, content: one(m.content) };
    return { ...m, content: m.content.map((p) => ({ ...p, text: one(p.text) })) };
  });
  return { messages: out, state, counts };
}
