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
  const read = async (file: string) => {
    const full = path.join(fontsDir, file);
    try {
      return (await readFile(full)).toString('base64');
    } catch (cause) {
      throw new AppError('internal', `PDF report font missing: ${full} (expected DejaVu Sans from resources/fonts)`, { cause });
    }
  };
  const [normal, bold] = await Promise.all([read(FILES.normal), read(FILES.bold)]);
  return { normal, bold };
}

/** Both weights are registered: autoTable draws header rows in bold and warns for every one otherwise. */
export function registerReportFonts(doc: jsPDF, fonts: ReportFonts): void {
  doc.addFileToVFS(FILES.normal, fonts.normal);
  doc.addFont(FILES.normal, REPORT_FONT, 'normal');
  doc.addFileToVFS(FILES.bold, fonts.bold);
  doc.addFont(FILES.bold, REPORT_FONT, 'bold');
  doc.setFont(REPORT_FONT, 'normal');
}
