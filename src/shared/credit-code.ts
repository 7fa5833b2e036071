/**
 * 统一社会信用代码 (GB 32100-2015): 18 characters from the 31-character set below (no I, O, Z, S, V).
 * 1: registration department (1 机构编制, 5 民政, 9 工商, Y 其他 …), 2: organisation type, 3–8: the
 * administrative division (digits), 9–17: the organisation code, 18: the check character —
 * 31 − (Σ value(cᵢ) × wᵢ mod 31), weights 3^(i−1) mod 31, a result of 31 written as 0.
 * One definition for the console's form and the server's validation.
 */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeResult = { ok: true; value: string } | { ok: false; message: string };

/** Full-width letters and digits to ASCII, spaces removed, upper-cased. */
export function normalizeCreditCode(raw: string): string {
  return raw
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .replace(/[\s\u3000]/g, '')
    .toUpperCase();
}

/** The check character of the first 17 characters (which must be in the character set). */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_CHARSET.indexOf(first17[i]) * WEIGHTS[i];
  return CREDIT_CODE_CHARSET[(31 - (sum % 31)) % 31];
}

/** Validates a code (normalising it first) and names what is wrong in Chinese. */
export function parseCreditCode(raw: string): CreditCodeResult {
  const v = normalizeCreditCode(raw);
  if (v.length !== 18) return { ok: false, message: `统一社会信用代码应为 18 位，现为 ${v.length} 位` };
  const bad = [...v].find((c) => !CREDIT_CODE_CHARSET.includes(c));
  if (bad !== undefined)
    return {
      ok: false,
      message: `统一社会信用代码含有不允许的字符“${bad}”（只用数字和除 I、O、Z、S、V 以外的大写字母）`,
    };
  if (!/^\d{6}$/.test(v.slice(2, 8)))
    return { ok: false, message: '统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）' };
  if (creditCodeCheckChar(v) !== v[17]) return { ok: false, message: '统一社会信用代码校验码错误，请核对' };
  return { ok: true, value: v };
}
