import { describe, expect, it } from 'vitest';
import { check } from '../../src/spec/engine/index.ts';
import { sb } from '../../src/spec/models/sb/model.ts';

describe('model source sites', () => {
  it('attaches the model file and line of the statement to every thread step', () => {
    const r = check(sb, { variant: 'unfenced', memoryModel: 'tso' });
    const steps = r.counterexample?.steps ?? [];
    const threadSteps = steps.filter((s) => s.kind === 'step');
    expect(threadSteps.length).toBeGreaterThan(0);
    for (const s of threadSteps) {
      expect(s.site?.file).toBe('src/spec/models/sb/model.ts');
      expect(s.site?.line).toBeGreaterThan(0);
    }
  });
});
