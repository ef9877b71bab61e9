import { z } from 'zod';

/**
 * The evaluation workflow's steps in the order it runs them (backend/src/workflows/workflows.ts sets
 * them; the API and the pushed events carry them as `step`). Clients name them in words.
 */
export const EVALUATION_STEP_IDS = ['decoding', 'transcribing', 'metrics', 'coding', 'analyzing', 'summarizing', 'verifying', 'rendering'] as const;
export const EvaluationStep = z.enum(['queued', ...EVALUATION_STEP_IDS, 'completed', 'failed']);
export type EvaluationStep = z.infer<typeof EvaluationStep>;
