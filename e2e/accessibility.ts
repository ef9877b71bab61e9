import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** The impacts that fail a test (issue 13: zero serious or critical violations on every page). */
const FAILING = new Set(['serious', 'critical']);

/**
 * Runs axe-core (WCAG 2.0–2.2 A/AA rules and best practices) on the page as it is now and fails
 * with each serious or critical violation's rule, impact and the elements it names. Called by
 * every spec on every page it visits; `where` names the page in the message.
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  // Legacy mode runs axe inside the page itself: the specs open pages with browser.newPage(), whose
  // context cannot open the blank page the default mode needs (the app has no cross-origin frames).
  const result = await new AxeBuilder({ page })
    .setLegacyMode(true).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const bad = result.violations
    .filter((v) => FAILING.has(v.impact ?? ''))
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`).join('\n')}`);
  expect(bad, `axe on ${where} (${page.url()})`).toEqual([]);
}
