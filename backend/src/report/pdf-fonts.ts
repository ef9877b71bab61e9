import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { jsPDF } from 'jspdf';
import { AppError } from '../../../app/contracts/errors';
import { resourcesDir } from '../paths';

/** Family name used with doc.setFont and in autoTable styles. */
export const REPORT_FONT = 'DejaVuSans';
export const defaultFontsDir = path.join(resourcesDir, 'fonts');

const FILES = { normal: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

export interface ReportFonts {
  normal: string;
  bold: string;
}

// Base64 of the TTFs, read once per folder: a worker renders many reports.
const cache = new Map<string, Promise<ReportFonts>>();

export function loadReportFonts(fontsDir: string = defaultFontsDir): Promise<ReportFonts> {
  let fonts = cache.get(fontsDir);
  if (!fonts) {
    fonts = readFonts(fontsDir);
    cache.set(fontsDir, fonts);
    fonts.catch(() => cache.delete(fontsDir));
  }
  return fonts;
}

async function readFonts(fontsDir: string): Promise<ReportFonts> {
  // Both files are read before any error is raised, so the message names every missing one
  // (with Promise.all the first to fail would win a race and the other would go unmentioned).
  const names = [FILES.normal, FILES.bold];
  const results = await Promise.allSettled(names.map((file) => readFile(path.join(fontsDir, file))));
  const missing = names.filter((_, i) => results[i]!.status === 'rejected').map((file) => path.join(fontsDir, file));
  if (missing.length > 0) {
    const cause = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw new AppError('internal', `PDF report font missing: ${missing.join(', ')} (expected DejaVu Sans from resources/fonts)`, { cause: cause.reason });
  }
  const [normal, bold] = results.map((r) => (r as PromiseFulfilledResult<Buffer>).value.toString('base64'));
  return { normal: normal!, bold: bold! };
}

/** Both weights are registered: autoTable draws header rows in bold and warns for every one otherwise. */
export function registerReportFonts(doc: jsPDF, fonts: ReportFonts): void {
  doc.addFileToVFS(FILES.normal, fonts.normal);
  doc.addFont(FILES.normal, REPORT_FONT, 'normal');
  doc.addFileToVFS(FILES.bold, fonts.bold);
  doc.addFont(FILES.bold, REPORT_FONT, 'bold');
  doc.setFont(REPORT_FONT, 'normal');
}
