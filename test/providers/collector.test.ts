import { describe, expect, it } from 'vitest';
import { pickGpuName } from '../../src/providers/collector';

describe('pickGpuName', () => {
  it('returns the first candidate the registry resolves, trimmed, skipping blanks', () => {
    expect(pickGpuName([null, '  ', 'Quantix QX9', ' H100 SXM ', 'A100'], 80)).toBe('H100 SXM');
  });

  it('falls back to the given text when no candidate resolves', () => {
    expect(pickGpuName(['Quantix QX9', 'QX9'], 32, 'Quantix QX9 (32 GB)')).toBe('Quantix QX9 (32 GB)');
  });

  it('falls back to the first non-blank candidate, or an empty name when there is none', () => {
    expect(pickGpuName([undefined, ' Quantix QX9 ', 'QX9'])).toBe('Quantix QX9');
    expect(pickGpuName([null, ''])).toBe('');
  });
});
