import { jsPDF } from 'jspdf';
import type { ReportModel } from '../../../app/report/report-model';
import { drawCoverPage, REPORT_TITLE } from './cover-page';
import { drawMetricsPage } from './metrics-page';
import { drawPageFrames } from './page-frame';
import { loadReportFonts, registerReportFonts } from './pdf-fonts';
import { PdfCursor, PRODUCT_NAME } from './pdf-layout';
import { drawRubricSection } from './rubric-section';
import { drawTranscriptSection } from './transcript-section';

export interface RenderReportOptions {
  /** Folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf; defaults to resources/fonts. */
  fontsDir?: string;
}

export interface RenderedReport {
  pdf: Uint8Array;
  pages: number;
}

/**
 * Draws the feedback report: cover, conversation metrics with the talk-time timeline, the rubric
 * evaluation (verified evidence only) and the full transcript. The model is drawn as given.
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

  const cursor = new PdfCursor(doc);
  drawCoverPage(cursor, model);
  cursor.newPage();
  drawMetricsPage(cursor, model);
  cursor.newPage();
  drawRubricSection(cursor, model);
  cursor.newPage();
  drawTranscriptSection(cursor, model);
  drawPageFrames(doc, model);

  const pdf = new Uint8Array(doc.output('arraybuffer'));
  return { pdf, pages: doc.getNumberOfPages() };
}
