import { Writable } from 'node:stream';

/** One line of our JSON log, with the fields tests look at; a test may name more. */
export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  req?: { id?: string; method?: string; path?: string };
  [k: string]: unknown;
}

/** A destination for createLogger that keeps every line written to it, parsed in `lines` and as written in `raw`. */
export function captureLogLines<L extends LogLine = LogLine>(): { lines: L[]; raw: string[]; sink: Writable } {
  const lines: L[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as L);
      }
      done();
    },
  });
  return { lines, raw, sink };
}
