// `npm run docs:access-matrix`: writes docs/access-matrix.md from backend/src/access/access-matrix.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../backend/src/paths';
import { ACCESS_MATRIX_DOC, renderAccessMatrix } from '../backend/src/access/access-matrix-doc';

writeFileSync(path.join(repoRoot, ACCESS_MATRIX_DOC), renderAccessMatrix());
console.log(`wrote ${ACCESS_MATRIX_DOC}`);
