import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: backend/src/paths.ts is two levels below it. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const resourcesDir = path.join(repoRoot, 'resources');
/** Default data folder for the embedded runtime (overridden by FE_DATA_DIR). */
export const defaultDataDir = path.join(repoRoot, '.data');
