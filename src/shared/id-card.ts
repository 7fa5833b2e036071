/**
 * 居民身份证号码 (GB 11643-1999): 17 digits + check character. Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
 * sum mod 11 indexes "10X98765432". Digits 7–14 are the birth date; the 17th is odd for men.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export type IdCardResult =
  | { ok: true; value: string; birthDate: string; sex: 'male' | 'female' }
  | { ok: false; message: string };

/** Full-width digits and letters to ASCII, spaces removed, x upper-cased. */
export function normalizeIdNumber(raw: string): string {
  return raw
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .replace(/[\s\u3000]/g, '')
    .toUpperCase();
}

export function checkDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/**
 * Validates an ID number (normalising it first) and derives birth date and sex. Pass `today` (China
 * date) wherever a person is entered: a birth date after it is refused. Only a search leaves it out.
 */
export function parseIdNumber(raw: string, today?: string): IdCardResult {
  const v = normalizeIdNumber(raw);
  if (/^\d{15}$/.test(v)) return { ok: false, message: '15 位旧身份证号码已停用，请填写 18 位号码' };
  if (!/^\d{17}[\dX]$/.test(v))
    return { ok: false, message: '身份证号码应为 18 位（17 位数字加一位数字或 X）' };
  const y = Number(v.slice(6, 10));
  const m = Number(v.slice(10, 12));
  const d = Number(v.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  const birthDate = `${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}`;
  if (y < 1880 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, message: `身份证号码中的出生日期 ${birthDate} 不存在` };
  }
  if (today && birthDate > today)
    return { ok: false, message: `身份证号码中的出生日期 ${birthDate} 晚于今天` };
  if (checkDigit(v) !== v[17]) return { ok: false, message: '身份证号码校验位错误，请核对' };
  return { ok: true, value: v, birthDate, sex: Number(v[16]) % 2 === 1 ? 'male' : 'female' };
}

/** 152701********123X: region kept, birth date hidden, last four kept. */
export function maskIdNumber(v: string): string {
  return v.length === 18 ? `${v.slice(0, 6)}********${v.slice(14)}` : '*'.repeat(v.length);
}

/** 138****5678 */
export function maskPhone(v: string): string {
  return v.length >= 7 ? `${v.slice(0, 3)}****${v.slice(-4)}` : '*'.repeat(v.length);
}
