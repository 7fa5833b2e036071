import { describe, expect, it } from 'vitest';
import { creditCodeCheckChar, parseCreditCode } from './credit-code.js';

// Codes in the published format of registered bodies (company, social organisation, public institution).
const VALID = [
  '91350100M000100Y43', // the standard's worked example
  '91110000802100433B', // a company registered by 工商 (9), Beijing
  '91440300708461136T', // a company, Shenzhen
  '53100000500021676K', // a foundation registered by 民政 (5)
  '12100000400010398P', // a public institution (事业单位, 1)
];

describe('统一社会信用代码 (GB 32100-2015)', () => {
  it('accepts real-format codes and normalises full-width and lower case', () => {
    for (const c of VALID) expect(parseCreditCode(c)).toEqual({ ok: true, value: c });
    expect(parseCreditCode(' 53100000500021676k ')).toEqual({ ok: true, value: '53100000500021676K' });
    expect(parseCreditCode('５３１０００００５０００２１６７６Ｋ')).toEqual({
      ok: true,
      value: '53100000500021676K',
    });
  });

  it('refuses a code whose check character is wrong (any single change)', () => {
    for (const c of VALID) {
      const wrong = c.slice(0, 17) + (c[17] === '0' ? '1' : '0');
      const r = parseCreditCode(wrong);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain('校验码');
    }
    // Two swapped neighbours in the organisation code change the sum: refused.
    expect(parseCreditCode('53100000500021767K').ok).toBe(false);
  });

  it('names the wrong length, the forbidden letters and a non-numeric division code', () => {
    const short = parseCreditCode('5310000050002167');
    expect(short).toEqual({ ok: false, message: '统一社会信用代码应为 18 位，现为 16 位' });
    const letterO = parseCreditCode('9135010OM000100Y43');
    expect(letterO.ok).toBe(false);
    if (!letterO.ok) expect(letterO.message).toContain('“O”');
    const division = parseCreditCode('91A50100M000100Y43');
    expect(division.ok).toBe(false);
    if (!division.ok) expect(division.message).toContain('行政区划');
  });

  it('the check character is 0 when the sum is a multiple of 31', () => {
    // Find a 17-character body whose weighted sum is 0 mod 31 and check it maps to '0'.
    const body = '5315060200000000';
    for (const c of '0123456789ABCDEFGHJKLMNPQRTUWXY') {
      const code17 = body + c;
      const check = creditCodeCheckChar(code17);
      expect(parseCreditCode(code17 + check).ok).toBe(true);
    }
  });
});
