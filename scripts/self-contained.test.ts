import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../backend/src/paths';

// The team's folder beside the repository is not shipped: nothing committed may send a reader or the
// code there (the README's architecture line did until it pointed at docs/architecture.md).
const TEAM_FOLDER = ['..', 'shared', ''].join('/');

describe('the repository is self-contained', () => {
  it('has no committed file that refers to the team folder outside it', () => {
    let hits = '';
    try {
      hits = execFileSync('git', ['grep', '-n', '-F', TEAM_FOLDER, '--', '.', ':!node_modules'], { cwd: repoRoot, encoding: 'utf8' });
    } catch (e) {
      // git grep exits 1 when nothing matches.
      if ((e as { status?: number }).status !== 1) throw e;
    }
    expect(hits).toBe('');
  });
});
