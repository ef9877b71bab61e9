import type { jsPDF } from 'jspdf';
import type { UserOptions } from 'jspdf-autotable';
import { REPORT_FONT } from './pdf-fonts';

export type Rgb = readonly [number, number, number];

/** A4 portrait in millimetres; top and bottom leave room for the running header and footer. */
export const PAGE = { width: 210, height: 297, marginX: 18, top: 24, bottom: 22 } as const;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.marginX;
export const PRODUCT_NAME = 'Feedback Evaluation';

export const COLOR = {
  text: [33, 37, 41],
  muted: [108, 117, 125],
  rule: [218, 222, 226],
  accent: [31, 78, 121],
  panel: [244, 246, 248],
  /** Failed analyses, missing evidence, notices: amber, never the colour of a score. */
  warning: [180, 83, 9],
  noticeFill: [255, 247, 230],
  noticeBorder: [217, 119, 6],
  scoreEmpty: [226, 230, 234],
  tagFill: [236, 240, 244],
} as const satisfies Record<string, Rgb>;

/** Channel colours: 0 = session owner (blue), 1 = other party (orange); used everywhere a speaker appears. */
export const CHANNEL_COLOR: readonly [Rgb, Rgb] = [
  [37, 99, 235],
  [234, 88, 12],
];

const PT_TO_MM = 25.4 / 72;
const LINE_FACTOR = 1.32;

export function lineHeight(fontSizePt: number): number {
  return fontSizePt * PT_TO_MM * LINE_FACTOR;
}

/**
 * From a line's top to its baseline as jsPDF places text drawn with baseline "top" (0.85 em at its
 * default line height factor), so text of different sizes drawn with baseline "alphabetic" at
 * top + ascent(size) lines up with it.
 */
export function ascent(fontSizePt: number): number {
  return fontSizePt * PT_TO_MM * 0.85;
}

export interface TextStyle {
  size: number;
  bold?: boolean;
  color?: Rgb;
}

export function applyStyle(doc: jsPDF, style: TextStyle): void {
  doc.setFont(REPORT_FONT, style.bold ? 'bold' : 'normal');
  doc.setFontSize(style.size);
  doc.setTextColor(...(style.color ?? COLOR.text));
}

/**
 * Flowing layout: a vertical position on the current page that starts a new page when the next
 * block does not fit. All text is drawn with baseline "top" so y is the top of the line box.
 */
export class PdfCursor {
  y: number = PAGE.top;

  constructor(readonly doc: jsPDF) {}

  /** 1-based number of the page being drawn. */
  get page(): number {
    return this.doc.getCurrentPageInfo().pageNumber;
  }

  get limit(): number {
    return PAGE.height - PAGE.bottom;
  }

  remaining(): number {
    return this.limit - this.y;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = PAGE.top;
  }

  /** Starts a new page unless `height` mm still fit on this one. */
  ensure(height: number): void {
    if (this.y + height > this.limit && this.y > PAGE.top) this.newPage();
  }

  gap(mm: number): void {
    this.y += mm;
  }

  /** Splits text to the width in the given style (long words are broken, never run off the page). */
  lines(text: string, width: number, style: TextStyle): string[] {
    applyStyle(this.doc, style);
    return this.doc.splitTextToSize(text, width) as string[];
  }

  /** Wrapped text that may continue on the next page, line by line. */
  paragraph(text: string, style: TextStyle, opts: { x?: number; width?: number; after?: number } = {}): void {
    const x = opts.x ?? PAGE.marginX;
    const width = opts.width ?? PAGE.marginX + CONTENT_WIDTH - x;
    const lh = lineHeight(style.size);
    for (const line of this.lines(text, width, style)) {
      this.ensure(lh);
      applyStyle(this.doc, style);
      this.doc.text(line, x, this.y, { baseline: 'top' });
      this.y += lh;
    }
    this.y += opts.after ?? 0;
  }

  /** Section title with a rule under it; keeps at least `keepWith` mm of what follows on the same page. */
  heading(text: string, opts: { size?: number; keepWith?: number } = {}): void {
    const size = opts.size ?? 15;
    this.ensure(lineHeight(size) + 4 + (opts.keepWith ?? 20));
    applyStyle(this.doc, { size, bold: true, color: COLOR.accent });
    this.doc.text(text, PAGE.marginX, this.y, { baseline: 'top' });
    this.y += lineHeight(size) + 0.5;
    this.rule(COLOR.accent, 0.4);
    this.y += 4;
  }

  subheading(text: string, keepWith = 15): void {
    this.ensure(lineHeight(11.5) + keepWith);
    applyStyle(this.doc, { size: 11.5, bold: true });
    this.doc.text(text, PAGE.marginX, this.y, { baseline: 'top' });
    this.y += lineHeight(11.5) + 1.5;
  }

  /** A rubric section's title on a pale band (sections group items; items have plain bold titles). */
  band(text: string, keepWith = 15, size = 9.5): void {
    const lines = this.lines(text, CONTENT_WIDTH - 4, { size, bold: true });
    const h = lines.length * lineHeight(size) + 2.2;
    this.ensure(h + keepWith);
    this.doc.setFillColor(...COLOR.panel);
    this.doc.rect(PAGE.marginX, this.y, CONTENT_WIDTH, h, 'F');
    this.doc.setFillColor(...COLOR.accent);
    this.doc.rect(PAGE.marginX, this.y, 0.8, h, 'F');
    applyStyle(this.doc, { size, bold: true, color: COLOR.accent });
    lines.forEach((l, i) => this.doc.text(l, PAGE.marginX + 2.5, this.y + 1.1 + i * lineHeight(size), { baseline: 'top' }));
    this.y += h;
  }

  rule(color: Rgb = COLOR.rule, width = 0.25): void {
    this.doc.setDrawColor(...color);
    this.doc.setLineWidth(width);
    this.doc.line(PAGE.marginX, this.y, PAGE.marginX + CONTENT_WIDTH, this.y);
  }

  /** Bulleted list, each item wrapped with a hanging indent. */
  bullets(items: readonly string[], style: TextStyle): void {
    const indent = 5;
    const lh = lineHeight(style.size);
    for (const item of items) {
      const lines = this.lines(item, CONTENT_WIDTH - indent, style);
      lines.forEach((line, i) => {
        this.ensure(lh);
        applyStyle(this.doc, style);
        if (i === 0) this.doc.text('•', PAGE.marginX + 1, this.y, { baseline: 'top' });
        this.doc.text(line, PAGE.marginX + indent, this.y, { baseline: 'top' });
        this.y += lh;
      });
      this.y += 1;
    }
  }
}

/** The y where the last autoTable ended (jspdf-autotable stores it on the document). */
export function lastTableEnd(doc: jsPDF): number {
  return (doc as unknown as { lastAutoTable: { finalY: number } }).lastAutoTable.finalY;
}

/** The house style of every table; callers add columns, body and hooks. */
export function tableStyle(startY: number): UserOptions {
  return {
    startY,
    theme: 'plain',
    margin: { left: PAGE.marginX, right: PAGE.marginX, top: PAGE.top, bottom: PAGE.bottom },
    styles: { font: REPORT_FONT, fontSize: 9, textColor: [...COLOR.text], cellPadding: { top: 1.6, bottom: 1.6, left: 2, right: 2 }, overflow: 'linebreak', valign: 'top' },
    headStyles: { font: REPORT_FONT, fontStyle: 'bold', fillColor: [...COLOR.panel], textColor: [...COLOR.accent] },
    bodyStyles: { lineColor: [...COLOR.rule], lineWidth: { bottom: 0.2, top: 0, left: 0, right: 0 } },
    rowPageBreak: 'avoid',
  };
}

/** Shortens one line with an ellipsis so header text never collides with its neighbour. */
export function fitText(doc: jsPDF, text: string, width: number): string {
  if (doc.getTextWidth(text) <= width) return text;
  let s = text;
  while (s.length > 1 && doc.getTextWidth(`${s}…`) > width) s = s.slice(0, -1);
  return `${s.trimEnd()}…`;
}
