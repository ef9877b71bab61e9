import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

// Here rather than beside renderer/styles.css: reading a file needs Node, which the web tsconfig leaves out.
const css = readFileSync('renderer/styles.css', 'utf8');

/** WCAG 2.x relative luminance and contrast ratio of two #rrggbb colours. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const token = (name: string): string => {
  const m = new RegExp(`--${name}:\\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\\b`).exec(css);
  if (!m) throw new Error(`no token --${name} in styles.css`);
  const hex = m[1]!.toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`;
};
const headerBg = /header \{[^}]*background: (#[0-9a-f]{6})/.exec(css)![1]!;

describe('design tokens meet the contrast the issue asks for', () => {
  it('text colours are at least 4.5:1 on the page and on surfaces', () => {
    for (const t of ['fe-text', 'fe-text-muted', 'fe-primary', 'fe-primary-dark', 'fe-danger', 'fe-success', 'fe-warning']) {
      for (const bg of ['fe-bg', 'fe-surface']) expect({ t, bg, ratio: contrast(token(t), token(bg)) >= 4.5 }).toEqual({ t, bg, ratio: true });
    }
    // White on the primary button and on the header.
    expect(contrast('#ffffff', token('fe-primary'))).toBeGreaterThanOrEqual(4.5);
    expect(contrast('#ffffff', headerBg)).toBeGreaterThanOrEqual(4.5);
  });

  it('the focus ring is at least 3:1 against what it is drawn on', () => {
    expect(contrast(token('fe-focus'), token('fe-bg'))).toBeGreaterThanOrEqual(3);
    expect(contrast(token('fe-focus'), token('fe-surface'))).toBeGreaterThanOrEqual(3);
    expect(contrast(token('fe-focus-on-dark'), headerBg)).toBeGreaterThanOrEqual(3);
    // Every focus-visible outline uses a token, never a colour of its own.
    const rules = css.match(/[^}]*:focus-visible[^{]*\{[^}]*\}/g) ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.replace(/\s+/g, ' ')).toMatch(/outline(-color)?: [^;]*var\(--fe-focus(-on-dark)?\)|outline: none/);
  });

  it('the contrast function matches known pairs', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
