import { jsPDF } from 'jspdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadReportFonts, registerReportFonts } from './pdf-fonts';
import { applyStyle } from './pdf-layout';
import { layoutRuns } from './rich-text';

describe('mixed-style text layout', () => {
  const doc = new jsPDF({ unit: 'mm', format: 'a4' });
  beforeAll(async () => registerReportFonts(doc, await loadReportFonts()));
  const bold = { size: 9, bold: true };
  const plain = { size: 9 };

  const widthOf = (line: ReturnType<typeof layoutRuns>[number]) => {
    const last = line.runs.at(-1)!;
    applyStyle(doc, last.style);
    return last.dx + doc.getTextWidth(last.text.trimEnd());
  };

  it('wraps word by word across styles and keeps every line within the width', () => {
    const lines = layoutRuns(doc, [
      { text: '[01:23] Clinician (Dr. Maya Okafor): ', style: bold },
      { text: '“So your father’s stroke is something you think about, and at the same time, your days are already full.”', style: plain },
    ], 60);
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(widthOf(l)).toBeLessThanOrEqual(60 + 1e-6);
    expect(lines[0]!.runs[0]!.style).toBe(bold);
    expect(lines.map((l) => l.runs.map((r) => r.text).join('')).join(' ').replace(/\s+/g, ' ')).toBe(
      '[01:23] Clinician (Dr. Maya Okafor): “So your father’s stroke is something you think about, and at the same time, your days are already full.”',
    );
  });

  it('breaks a word longer than the line between characters instead of running past the margin', () => {
    const word = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(3);
    const lines = layoutRuns(doc, [{ text: word, style: plain }], 40);
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(widthOf(l)).toBeLessThanOrEqual(40 + 1e-6);
    expect(lines.map((l) => l.runs[0]!.text).join('')).toBe(word);
  });
});
