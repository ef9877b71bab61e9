/**
 * GPT-2 byte-level BPE tokens are stored as printable unicode strings: each byte maps to one
 * code point (printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards).
 * whisper.cpp wants the raw bytes, so this inverts that mapping.
 */

function byteToUnicode(): Map<number, number> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Map<number, number>(printable.map((b) => [b, b]));
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (!map.has(b)) map.set(b, 256 + next++);
  }
  return map;
}

const UNICODE_TO_BYTE = new Map<number, number>([...byteToUnicode()].map(([b, cp]) => [cp, b]));

export function tokenToBytes(token: string): Uint8Array {
  const out: number[] = [];
  for (const ch of token) {
    const b = UNICODE_TO_BYTE.get(ch.codePointAt(0)!);
    if (b === undefined) throw new Error(`token ${JSON.stringify(token)} is not byte-level BPE`);
    out.push(b);
  }
  return Uint8Array.from(out);
}
