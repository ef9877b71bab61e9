import { describe, expect, it } from 'vitest';
import { OrgPolicySettingsSchema } from './org-policy-settings';

describe('org policy settings schema', () => {
  it('accepts added models, narrowed regions, a new purpose and a purpose switched off', () => {
    const settings = {
      purposes: { rubric_analysis: { models: ['qwen2.5-coder-1.5b-instruct', 'gpt-4o-mini'] }, draft_assist: { kind: 'chat', models: ['qwen2.5-coder-1.5b-instruct'], roles: ['clinician'], max_tokens: 512 }, transcription: null },
      allowed_regions: ['local', 'eu'],
      redaction: { always: true },
    };
    expect(OrgPolicySettingsSchema.parse(settings)).toEqual(settings);
  });

  it('rejects exempting provider kinds from redaction, unknown kinds and unknown keys', () => {
    expect(OrgPolicySettingsSchema.safeParse({ redaction: { exempt_provider_kinds: ['openai'] } }).success).toBe(false);
    expect(OrgPolicySettingsSchema.safeParse({ purposes: { rubric_analysis: { restore_kinds: ['SSN'] } } }).success).toBe(false);
    expect(OrgPolicySettingsSchema.safeParse({ purposes: { rubric_analysis: { max_tokens: -1 } } }).success).toBe(false);
    expect(OrgPolicySettingsSchema.safeParse({ regions: ['eu'] }).success).toBe(false);
  });
});
