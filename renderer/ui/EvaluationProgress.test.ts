import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { EvaluationProgress } from './EvaluationProgress';

const render = (props: Parameters<typeof EvaluationProgress>[0]) => renderToStaticMarkup(createElement(EvaluationProgress, props));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('EvaluationProgress', () => {
  it('shows a failed step with its plain message, the code only as data-code', () => {
    const html = render({ status: 'failed', step: 'summarizing', progress: 0.8, startedAt: '2026-12-04T10:00:00Z', finishedAt: '2026-12-04T10:01:05Z', error: { code: 'llm.unavailable', message: 'connect ECONNREFUSED 127.0.0.1:8081' } });
    // The failure sits in the failed step's row.
    expect(html).toMatch(/<li class="step step-failed"[^>]*>.*Writing the summary.*<p role="alert" class="error step-failure" data-code="llm.unavailable">Part of the evaluation service is not available right now/);
    expect(text(html)).toContain('Stopped at Writing the summary (80 % of the evaluation done)');
    expect(text(html)).toContain('Took 1 min 05 s');
    expect(html).not.toContain('ECONNREFUSED');
    expect(text(html)).not.toContain('llm.unavailable');
    expect(html.match(/step-done/g)).toHaveLength(4);
  });
  it('keeps the server message when it has no plainer wording for the code', () => {
    const html = render({ status: 'failed', step: 'decoding', progress: 0.02, error: { code: 'internal', message: 'The evaluation stopped unexpectedly.' } });
    expect(html).toMatch(/Preparing the recording.*data-code="internal">The evaluation stopped unexpectedly\./);
  });
  it('marks the current step, never prints a step id, and no failure while running', () => {
    const html = render({ status: 'running', step: 'transcribing', progress: 0.1, startedAt: new Date(Date.now() - 42_000).toISOString() });
    expect(html).toMatch(/<li class="step step-current" aria-current="step">.*?Transcribing/);
    expect(text(html)).toContain('Transcribing — 10 % of the evaluation done');
    expect(text(html)).toMatch(/Running for 4[2-3] s/);
    expect(text(html)).not.toMatch(/transcribing|decoding|analyzing/);
    expect(html).not.toContain('role="alert"');
  });
  it('estimates the time left from the recording\'s length while running, and only then', () => {
    const startedAt = new Date(Date.now() - 42_000).toISOString();
    const running = text(render({ status: 'running', step: 'transcribing', progress: 0.1, startedAt, audioSec: 175 }));
    expect(running).toContain('About 3 min left');
    // A 30-minute recording: far longer.
    expect(text(render({ status: 'running', step: 'transcribing', progress: 0.1, startedAt, audioSec: 1800 }))).toMatch(/About (9|1\d) min left/);
    expect(text(render({ status: 'running', step: 'transcribing', progress: 0.1, startedAt }))).not.toContain('left');
    expect(text(render({ status: 'completed', step: 'completed', progress: 1, startedAt, finishedAt: new Date().toISOString(), audioSec: 175 }))).not.toContain('left');
  });
});
