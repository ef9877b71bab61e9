import { jsPDF } from 'jspdf';
import type { ReportModel } from '../../../app/report/report-model';
import { CODING_TITLE, drawCodingSection } from './coding-section';
import { drawFeedbackSection, FEEDBACK_TITLE } from './feedback-section';
import { drawMethodNote, METHOD_TITLE } from './method-note';
import { drawMetricsPage, METRICS_TITLE } from './metrics-page';
import { drawContents, drawOverviewPage, REPORT_TITLE, type ContentsEntry } from './overview-page';
import { drawPageFrames } from './page-frame';
import { loadReportFonts, registerReportFonts } from './pdf-fonts';
import { PAGE, PdfCursor, PRODUCT_NAME } from './pdf-layout';
import { drawRubricSection, RUBRIC_TITLE } from './rubric-section';
import { drawTranscriptSection, TRANSCRIPT_TITLE } from './transcript-section';
import { UnitLinks } from './unit-links';

export interface RenderReportOptions {
  /** Folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf; defaults to resources/fonts. */
  fontsDir?: string;
}

export interface RenderedReport {
  pdf: Uint8Array;
  pages: number;
}

type Draw = (cursor: PdfCursor, model: ReportModel, links: UnitLinks) => void;

/**
 * Draws the feedback report: overview with every score at a glance, the feedback, the rubric
 * items with their cited units, the behaviour coding, the conversation metrics, the transcript
 * unit by unit, and how it was produced. Cited unit ids link to the transcript. The model is drawn as given.
 */
export async function renderReportPdf(model: ReportModel, opts: RenderReportOptions = {}): Promise<RenderedReport> {
  const fonts = await loadReportFonts(opts.fontsDir);
  const doc = new jsPDF({ unit: 'mm', format: 'a4', orientation: 'portrait', compress: true });
  registerReportFonts(doc, fonts);
  doc.setProperties({
    title: `${REPORT_TITLE}: ${model.session.title}`,
    subject: `${model.rubric.title} ${model.rubric.version}`,
    author: model.session.orgName,
    creator: PRODUCT_NAME,
  });
  // A fixed creation date keeps the bytes a function of the model (generatedAt is part of it).
  const generated = new Date(model.generatedAt);
  if (!Number.isNaN(generated.getTime())) doc.setCreationDate(generated);

  // `follows`: may start on the page before when that page is more than half empty (a failed
  // narrative, a short rubric); the metrics and the transcript always get a page of their own.
  const sections: { title: string; draw: Draw; follows: boolean }[] = [
    { title: FEEDBACK_TITLE, draw: drawFeedbackSection, follows: false },
    { title: RUBRIC_TITLE, draw: drawRubricSection, follows: true },
    ...(model.analysis.coding !== null ? [{ title: CODING_TITLE, draw: (c: PdfCursor, m: ReportModel) => drawCodingSection(c, m), follows: true }] : []),
    { title: METRICS_TITLE, draw: (c: PdfCursor, m: ReportModel) => drawMetricsPage(c, m), follows: false },
    { title: TRANSCRIPT_TITLE, draw: drawTranscriptSection, follows: false },
    { title: METHOD_TITLE, draw: (c: PdfCursor, m: ReportModel) => drawMethodNote(c, m), follows: true },
  ];

  const cursor = new PdfCursor(doc);
  const links = new UnitLinks(doc);
  const placeholders = drawOverviewPage(cursor, model, sections.map((s) => s.title));
  const entries: ContentsEntry[] = [];
  for (const s of sections) {
    startSection(cursor, s.follows);
    entries.push({ title: s.title, page: cursor.page });
    s.draw(cursor, model, links);
  }
  links.resolve();
  drawContents(cursor, placeholders, entries, entries.at(-1)!.page);
  doc.outline.add(null, 'Overview', { pageNumber: 1 });
  for (const e of entries) doc.outline.add(null, e.title, { pageNumber: e.page });
  drawPageFrames(doc, model);

  const pdf = new Uint8Array(doc.output('arraybuffer'));
  return { pdf, pages: doc.getNumberOfPages() };
}

function startSection(cursor: PdfCursor, follows: boolean): void {
  if (follows && cursor.remaining() > (cursor.limit - PAGE.top) * 0.55) {
    cursor.gap(10);
    return;
  }
  cursor.newPage();
}
