import type { jsPDF } from 'jspdf';
import { applyStyle, lineHeight, type TextStyle } from './pdf-layout';

/** A stretch of text in one style; a line of the report may mix several (e.g. "[00:48] Clinician:" bold, the quote plain). */
export interface Run {
  text: string;
  style: TextStyle;
}

export interface PlacedRun extends Run {
  /** Offset from the left edge of the line, mm. */
  dx: number;
}

export interface RichLine {
  runs: PlacedRun[];
  /** Line box height: the tallest style on the line. */
  height: number;
}

interface Piece {
  text: string;
  style: TextStyle;
  width: number;
  space: boolean;
}

/**
 * Wraps runs of mixed styles to `width` mm, word by word; a word wider than the line is broken
 * between characters so nothing ever runs past the margin. jsPDF's splitTextToSize does this for
 * one style only, which is why this small layouter exists.
 */
export function layoutRuns(doc: jsPDF, runs: readonly Run[], width: number): RichLine[] {
  const pieces: Piece[] = [];
  for (const run of runs) {
    applyStyle(doc, run.style);
    for (const token of run.text.split(/(\s+)/)) {
      if (token === '') continue;
      const space = /^\s+$/.test(token);
      const text = space ? ' ' : token;
      const w = doc.getTextWidth(text);
      if (!space && w > width) {
        for (const part of breakWord(doc, text, width)) pieces.push({ text: part, style: run.style, width: doc.getTextWidth(part), space: false });
      } else {
        pieces.push({ text, style: run.style, width: w, space });
      }
    }
  }

  const lines: Piece[][] = [];
  let current: Piece[] = [];
  let used = 0;
  for (const p of pieces) {
    if (p.space) {
      if (current.length > 0) {
        current.push(p);
        used += p.width;
      }
      continue;
    }
    const trailing = current.length > 0 && current[current.length - 1]!.space ? current[current.length - 1]!.width : 0;
    if (current.length > 0 && used + p.width > width + 1e-6) {
      if (trailing > 0) current.pop();
      lines.push(current);
      current = [];
      used = 0;
    }
    current.push(p);
    used += p.width;
  }
  while (current.length > 0 && current[current.length - 1]!.space) current.pop();
  if (current.length > 0) lines.push(current);

  return lines.map((pieces) => {
    const placed: PlacedRun[] = [];
    let dx = 0;
    for (const p of pieces) {
      const last = placed[placed.length - 1];
      if (last && last.style === p.style) last.text += p.text;
      else placed.push({ text: p.text, style: p.style, dx });
      dx += p.width;
    }
    return { runs: placed, height: Math.max(...pieces.map((p) => lineHeight(p.style.size))) };
  });
}

function breakWord(doc: jsPDF, word: string, width: number): string[] {
  const out: string[] = [];
  let part = '';
  for (const ch of word) {
    if (part !== '' && doc.getTextWidth(part + ch) > width) {
      out.push(part);
      part = '';
    }
    part += ch;
  }
  if (part !== '') out.push(part);
  return out;
}

export function richHeight(lines: readonly RichLine[]): number {
  return lines.reduce((h, l) => h + l.height, 0);
}

/** Draws one laid-out line with its top at y; runs of a line share the line's top. */
export function drawRichLine(doc: jsPDF, line: RichLine, x: number, y: number): void {
  for (const run of line.runs) {
    applyStyle(doc, run.style);
    doc.text(run.text.trimEnd(), x + run.dx, y, { baseline: 'top' });
  }
}
