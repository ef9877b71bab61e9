// Reading a rendered PDF back the way a reader (or an auditor's tool) sees it: the text per page
// (pdftotext), every word's box (pdftotext -bbox), the link annotations (qpdf --json) and the
// structural check (qpdf --check). Poppler and qpdf are real tools installed by `npm run setup`.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export const MM = 72 / 25.4;

export interface WordBox {
  /** 1-based. */
  page: number;
  pageWidth: number;
  pageHeight: number;
  /** PDF points from the top-left corner. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  word: string;
}

export interface PdfLink {
  page: number;
  /** Points from the top-left corner, like WordBox. */
  rect: { xMin: number; yMin: number; xMax: number; yMax: number };
  destPage: number;
  /** Destination y from the top of the page, points. */
  destTop: number;
}

export interface InspectedPdf {
  file: string;
  pages: number;
  /** pdftotext -raw (drawing order), one string per page, whitespace collapsed. */
  pageTexts: string[];
  text: string;
  qpdfCheck: { status: number | null; output: string };
  words: () => WordBox[];
  links: () => PdfLink[];
}

export const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

export function inspectPdf(file: string, pdf: Uint8Array): InspectedPdf {
  writeFileSync(file, pdf);
  const raw = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const pageTexts = raw.split('\f').slice(0, -1).map(collapse);
  const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? NaN);
  let words: WordBox[] | null = null;
  let links: PdfLink[] | null = null;
  return {
    file,
    pages,
    pageTexts,
    text: pageTexts.join(' '),
    qpdfCheck: { status: check.status, output: check.stdout + check.stderr },
    words: () => (words ??= wordBoxes(file)),
    links: () => (links ??= linkAnnotations(file)),
  };
}

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function wordBoxes(file: string): WordBox[] {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const boxes: WordBox[] = [];
  let page = 0;
  let w = 0;
  let h = 0;
  for (const line of html.split('\n')) {
    const p = /<page width="([\d.]+)" height="([\d.]+)">/.exec(line);
    if (p) {
      page++;
      w = Number(p[1]);
      h = Number(p[2]);
      continue;
    }
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (m) boxes.push({ page, pageWidth: w, pageHeight: h, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), word: unescapeHtml(m[5]!) });
  }
  return boxes;
}

interface QpdfJson {
  pages: { object: string }[];
  qpdf: [unknown, Record<string, { value?: Record<string, unknown> }>];
}

function linkAnnotations(file: string): PdfLink[] {
  const json = JSON.parse(execFileSync('qpdf', ['--json', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as QpdfJson;
  const objects = json.qpdf[1];
  const pageOf = new Map(json.pages.map((p, i) => [p.object, i + 1]));
  const out: PdfLink[] = [];
  json.pages.forEach((p, i) => {
    const value = objects[`obj:${p.object}`]?.value ?? {};
    const box = value['/MediaBox'] as number[];
    const height = box[3]!;
    for (const a of (value['/Annots'] as Record<string, unknown>[] | undefined) ?? []) {
      if (a['/Subtype'] !== '/Link') continue;
      const [x1, y1, x2, y2] = a['/Rect'] as number[];
      const dest = a['/Dest'] as [string, string, number, number, number];
      out.push({
        page: i + 1,
        rect: { xMin: Math.min(x1!, x2!), xMax: Math.max(x1!, x2!), yMin: height - Math.max(y1!, y2!), yMax: height - Math.min(y1!, y2!) },
        destPage: pageOf.get(dest[0]) ?? NaN,
        destTop: height - dest[3],
      });
    }
  });
  return out;
}

/** Words whose boxes overlap by more than `minShare` of the smaller one: text drawn over text. */
export function collisions(words: readonly WordBox[], minShare = 0.25): [WordBox, WordBox][] {
  const out: [WordBox, WordBox][] = [];
  const byPage = new Map<number, WordBox[]>();
  for (const w of words) byPage.set(w.page, [...(byPage.get(w.page) ?? []), w]);
  for (const list of byPage.values()) {
    const sorted = [...list].sort((a, b) => a.yMin - b.yMin);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      for (let j = i + 1; j < sorted.length && sorted[j]!.yMin < a.yMax; j++) {
        const b = sorted[j]!;
        const ix = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
        const iy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
        if (ix <= 0 || iy <= 0) continue;
        const smaller = Math.min((a.xMax - a.xMin) * (a.yMax - a.yMin), (b.xMax - b.xMin) * (b.yMax - b.yMin));
        if (ix * iy > minShare * smaller) out.push([a, b]);
      }
    }
  }
  return out;
}
