import type { jsPDF } from 'jspdf';

interface Source {
  page: number;
  unitId: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Clickable unit ids: wherever a cited unit is shown, its id links to that unit's row in the
 * transcript. Sources are drawn before the transcript exists, so both ends are collected and the
 * links are written once the whole document is laid out.
 */
export class UnitLinks {
  private readonly sources: Source[] = [];
  private readonly targets = new Map<string, { page: number; y: number }>();

  constructor(private readonly doc: jsPDF) {}

  from(unitId: string, x: number, y: number, w: number, h: number): void {
    this.sources.push({ page: this.doc.getCurrentPageInfo().pageNumber, unitId, x, y, w, h });
  }

  to(unitId: string, y: number): void {
    if (!this.targets.has(unitId)) this.targets.set(unitId, { page: this.doc.getCurrentPageInfo().pageNumber, y });
  }

  /** Writes every link whose unit was drawn in the transcript; the current page is restored. */
  resolve(): void {
    const current = this.doc.getCurrentPageInfo().pageNumber;
    for (const s of this.sources) {
      const t = this.targets.get(s.unitId);
      if (!t) continue;
      this.doc.setPage(s.page);
      this.doc.link(s.x, s.y, s.w, s.h, { pageNumber: t.page, top: Math.max(0, t.y - 6) });
    }
    this.doc.setPage(current);
  }
}
