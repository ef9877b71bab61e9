import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths';
import { HTTP_MATRIX, OPEN_FINDINGS, TUS_MATRIX, WS_MATRIX, type Row } from './access-matrix';
import { ACCESS_MATRIX_DOC, renderAccessMatrix } from './access-matrix-doc';

describe('docs/access-matrix.md', () => {
  it('is what `npm run docs:access-matrix` generates from access-matrix.ts (run it after changing the matrix)', () => {
    expect(readFileSync(path.join(repoRoot, ACCESS_MATRIX_DOC), 'utf8')).toBe(renderAccessMatrix());
  });

  it('lists only open findings on cells the matrix allows (a fixed one is taken off the list)', () => {
    const rows: Record<string, Row> = { ...HTTP_MATRIX, ...TUS_MATRIX, ...WS_MATRIX };
    const notAllowed = OPEN_FINDINGS.flatMap((f) => f.actors.filter((a) => !('allow' in rows[f.route]![a])).map((a) => `${f.route} as ${a}`));
    expect(notAllowed).toEqual([]);
  });

  it('names every route of the matrix', () => {
    const doc = renderAccessMatrix();
    expect(Object.keys(HTTP_MATRIX).filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });
});
