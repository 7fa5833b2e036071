/**
 * The towns' Excel roster of persons (花名册): its columns, the header variants we accept and the
 * parsing of the free-text cells. One definition for the template, the import, the export and the
 * import wizard's help text.
 */
import type { BenefitCardState, SelfCare } from './person.js';

export const ROSTER_COLUMNS = [
  { key: 'serial', label: '序号', aliases: ['编号', '序'] },
  { key: 'name', label: '姓名', aliases: ['名字', '供养对象姓名', '特困人员姓名'] },
  {
    key: 'idNumber',
    label: '身份证号码',
    aliases: ['身份证号', '公民身份号码', '身份证', '居民身份证号码', '身份号码', '证件号码'],
  },
  { key: 'ethnicity', label: '民族', aliases: [] },
  { key: 'phone', label: '联系电话', aliases: ['电话', '手机', '手机号', '联系方式', '电话号码'] },
  {
    key: 'town',
    label: '所属镇（街道）',
    aliases: [
      '镇街',
      '镇（街道）',
      '所属镇街',
      '镇',
      '街道',
      '乡镇（街道）',
      '苏木',
      '苏木（镇）',
      '镇（苏木）',
      '乡镇（苏木、街道）',
      '所属苏木（镇）',
      '所属乡镇',
    ],
  },
  {
    key: 'village',
    label: '村（社区）',
    aliases: [
      '村居',
      '村',
      '社区',
      '所属村（社区）',
      '嘎查村',
      '村（居）',
      '嘎查',
      '嘎查（村）',
      '村（嘎查）',
      '村（嘎查、社区）',
      '所属嘎查（村）',
    ],
  },
  { key: 'registeredAddress', label: '户籍地址', aliases: ['户籍所在地', '户籍地'] },
  { key: 'currentAddress', label: '现居住地址', aliases: ['现住址', '居住地址', '家庭住址', '现居住地'] },
  { key: 'selfCare', label: '生活自理能力', aliases: ['自理能力', '生活自理能力情况', '自理情况'] },
  {
    key: 'supportStart',
    label: '供养开始日期',
    aliases: ['供养开始时间', '纳入供养时间', '认定日期', '开始供养日期'],
  },
  { key: 'visitor', label: '探访责任人', aliases: ['责任人', '探访人', '探访责任人姓名'] },
  {
    key: 'visitorPhone',
    label: '探访责任人电话',
    aliases: ['责任人电话', '探访人电话', '探访责任人联系电话'],
  },
  { key: 'benefitCard', label: '一卡通代管情况', aliases: ['一卡通', '一卡通持有情况', '一卡通情况'] },
  { key: 'note', label: '备注', aliases: ['说明'] },
] as const;
export type RosterKey = (typeof ROSTER_COLUMNS)[number]['key'];

const foldHeader = (s: string) =>
  toHalfWidth(s)
    .replace(/[\s\u3000*:：]/g, '')
    .replace(/\(/g, '（')
    .replace(/\)/g, '）');

/**
 * A header matcher for an import's columns (each a label and its common variants): spaces, colons,
 * stars, bracket style and full-width characters do not matter. Every .xlsx import uses one.
 */
export function headerMatcher<K extends string>(
  columns: readonly { key: K; label: string; aliases: readonly string[] }[],
): (text: string) => K | undefined {
  const index = new Map<string, K>();
  for (const c of columns) for (const name of [c.label, ...c.aliases]) index.set(foldHeader(name), c.key);
  return (text) => index.get(foldHeader(text));
}

/** The roster column a header cell names (its common variants included), or undefined. */
export const matchRosterHeader = headerMatcher(ROSTER_COLUMNS);

/** Full-width digits, letters and punctuation to ASCII; trims. */
export function toHalfWidth(s: string): string {
  return s
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .trim();
}

/** 具备生活自理能力 / 部分丧失… / 完全丧失…, or 自理 / 半失能 / 失能 (and a few other spellings). */
export function parseSelfCareText(raw: string): SelfCare | undefined {
  const s = raw.replace(/[\s\u3000]/g, '');
  if (!s) return undefined;
  if (/完全丧失|^失能$|^全失能$|^完全失能$|^不能自理$/.test(s)) return 'none';
  if (/部分丧失|半失能|部分失能|^半自理$|^部分自理$/.test(s)) return 'partial';
  if (/^具备|^自理$|^能自理$|^完全自理$|^生活自理$|^具有生活自理能力$/.test(s)) return 'capable';
  return undefined;
}

/** 本人持有 / 代管（张三，原因） / 遗失 / 未办理. Custodian name in brackets or after a colon. */
export function parseBenefitCardText(
  raw: string,
): { state: BenefitCardState; custodian?: string; reason?: string } | undefined {
  const s = raw.trim();
  if (!s || /^(本人|本人持有|自己|自持|本人保管)$/.test(s)) return { state: 'self' };
  if (/遗失|丢失/.test(s)) return { state: 'lost' };
  if (/^(无|未办理|未办|没有)$/.test(s)) return { state: 'none' };
  if (/代管|保管|持有/.test(s)) {
    const m = s.match(/[（(:：]\s*([^，,）)、]+)(?:[，,、]\s*([^）)]+))?/);
    return { state: 'custodian', custodian: m?.[1]?.trim(), reason: m?.[2]?.trim() };
  }
  return undefined;
}

/**
 * A date cell: a JS Date (from Excel's date cells, read as UTC), an Excel serial number, or text
 * such as 2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日, 20200105. Returns 'YYYY-MM-DD' or undefined.
 */
export function parseRosterDate(v: unknown): string | undefined {
  const pad = (n: number) => String(n).padStart(2, '0');
  const valid = (y: number, m: number, d: number) => {
    const dt = new Date(Date.UTC(y, m - 1, d));
    return y >= 1900 && y <= 2200 && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d
      ? `${y}-${pad(m)}-${pad(d)}`
      : undefined;
  };
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return undefined;
    return valid(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate());
  }
  if (typeof v === 'number') {
    if (v > 19000000 && v < 22000000) return parseRosterDate(String(v));
    if (v < 1 || v > 120000) return undefined;
    // Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29).
    const dt = new Date(Date.UTC(1899, 11, 30) + Math.floor(v) * 86400000);
    return valid(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
  }
  if (typeof v !== 'string') return undefined;
  const s = toHalfWidth(v);
  let m = s.match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  m = s.match(/^(\d{4})(\d{2})(\d{2})$/);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  m = s.match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/);
  if (m) return valid(Number(m[1]), Number(m[2]), 1);
  if (/^\d+(\.\d+)?$/.test(s)) return parseRosterDate(Number(s));
  return undefined;
}

/** A phone cell: half-width, separators removed; mainland mobile (11 digits) or fixed line. */
export function normalizePhone(raw: string): string | undefined {
  const s = toHalfWidth(raw).replace(/[\s\-－()（）]/g, '');
  if (!s) return undefined;
  if (/^(\+?86)?1\d{10}$/.test(s)) return s.slice(-11);
  if (/^0\d{9,11}$/.test(s) || /^\d{7,8}$/.test(s)) return s;
  return undefined;
}
