/**
 * Visit authenticity (真实性核查, DOMAIN.md §12): the signals, each a pure rule with its thresholds.
 * One definition for the server (modules/authenticity loads the inputs with indexed lookups and stores
 * what these functions return with the visit), the console (labels, review page) and the phone (why a
 * visit was flagged). A signal is never a verdict: a flagged visit counts until a town officer rejects it.
 */

export const AUTHENTICITY_RULES = [
  'place',
  'photo_time',
  'photo_place',
  'photo_reused',
  'travel',
  'too_short',
  'stored_late',
  'too_many',
  'copied_previous',
  'copied_across',
] as const;
export type AuthenticityRule = (typeof AUTHENTICITY_RULES)[number];

export const AUTHENTICITY_RULE_LABELS: Record<AuthenticityRule, string> = {
  place: '位置离家过远',
  photo_time: '照片拍摄时间不符',
  photo_place: '照片拍摄地点离家过远',
  photo_reused: '照片与其他探访重复',
  travel: '两次上门间移动过快',
  too_short: '填写时间过短',
  stored_late: '补录过晚',
  too_many: '当日上门次数过多',
  copied_previous: '与上次探访内容相同',
  copied_across: '多名对象内容相同',
};

export const REVIEW_STATES = ['pending', 'confirmed', 'explained', 'rejected'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
export const REVIEW_STATE_LABELS: Record<ReviewState, string> = {
  pending: '待核查',
  confirmed: '核实无误',
  explained: '已说明',
  rejected: '不予认定',
};

export const SPOT_CHECK_RESULTS = ['confirmed', 'not_confirmed', 'unreachable'] as const;
export type SpotCheckResult = (typeof SPOT_CHECK_RESULTS)[number];
export const SPOT_CHECK_RESULT_LABELS: Record<SpotCheckResult, string> = {
  confirmed: '属实',
  not_confirmed: '不属实',
  unreachable: '联系不上',
};

/** The thresholds, each a setting inherited down the area tree (modules/settings); these are the defaults. */
export const AUTHENTICITY_DEFAULTS = {
  /** Place: farther than this from the confirmed home point (after the accuracy allowance). */
  'authenticity.placeMeters': 500,
  /** The reported GPS accuracy is subtracted from a distance, up to this many metres. */
  'authenticity.accuracyAllowanceMeters': 1000,
  /** Photo: EXIF capture time more than this many hours from the visit time. */
  'authenticity.photoHours': 12,
  /** Travel: consecutive in-person visits of one visitor needing more than this speed. */
  'authenticity.speedKmh': 60,
  /** Time: form opened → saved shorter than this for an in-person visit. */
  'authenticity.minMinutes': 5,
  /** Time: stored more than this many days after the visit time. */
  'authenticity.lateDays': 5,
  /** Time: more than this many in-person visits by one visitor in a China day. */
  'authenticity.maxPerDay': 12,
  /** Copy: the same answers (with free text) for this many persons of one visitor in a month. */
  'authenticity.copyAcrossPersons': 3,
  /** Spot checks: share of a town's qualifying visits, at least `min`, flagged ones weighted up. */
  'authenticity.spotCheck': { rate: 0.05, min: 3, flaggedWeight: 4 },
};
export type AuthenticitySettings = typeof AUTHENTICITY_DEFAULTS;
export type AuthenticitySettingKey = keyof AuthenticitySettings;
export const AUTHENTICITY_SETTING_KEYS = Object.keys(AUTHENTICITY_DEFAULTS) as AuthenticitySettingKey[];

/** A number threshold as the settings page shows it: its name, unit, the rules it governs, a hint. */
export interface ThresholdInfo {
  label: string;
  unit: string;
  rules: readonly AuthenticityRule[];
  hint: string;
}
/** The Chinese names and units of the thresholds (the spot-check setting has three parts, below). */
export const AUTHENTICITY_THRESHOLD_INFO: Record<
  Exclude<AuthenticitySettingKey, 'authenticity.spotCheck'>,
  ThresholdInfo
> = {
  'authenticity.placeMeters': {
    label: '离家距离上限',
    unit: '米',
    rules: ['place', 'photo_place'],
    hint: '上门定位或照片拍摄地点离已确认的住址坐标超过此距离即提示',
  },
  'authenticity.accuracyAllowanceMeters': {
    label: '定位精度扣除上限',
    unit: '米',
    rules: ['place'],
    hint: '计算距离时先扣除手机报告的定位精度，最多扣除此数，避免信号差被误判',
  },
  'authenticity.photoHours': {
    label: '照片拍摄时间偏差上限',
    unit: '小时',
    rules: ['photo_time'],
    hint: '照片自带的拍摄时间与探访时间相差超过此数即提示',
  },
  'authenticity.speedKmh': {
    label: '两次上门间移动速度上限',
    unit: '公里/小时',
    rules: ['travel'],
    hint: '同一探访人相邻两次上门探访的距离除以间隔时间超过此速度即提示',
  },
  'authenticity.minMinutes': {
    label: '上门填写时长下限',
    unit: '分钟',
    rules: ['too_short'],
    hint: '从打开表单到保存少于此时长即提示（0 表示不检查）',
  },
  'authenticity.lateDays': {
    label: '补录期限',
    unit: '天',
    rules: ['stored_late'],
    hint: '探访后超过此天数才录入即提示',
  },
  'authenticity.maxPerDay': {
    label: '每日上门次数上限',
    unit: '次',
    rules: ['too_many'],
    hint: '同一探访人一天内上门探访超过此次数，超出的探访即提示',
  },
  'authenticity.copyAcrossPersons': {
    label: '内容相同的对象数',
    unit: '名',
    rules: ['copied_across'],
    hint: '同一探访人本月有此数量的对象检查表和备注完全相同即提示',
  },
};
/** The parts of the spot-check setting (the rate is a share: the page shows it in per cent). */
export const SPOT_CHECK_SETTING_INFO = {
  rate: { label: '抽查比例', unit: '%' },
  min: { label: '每镇街至少抽取', unit: '条' },
  flaggedWeight: { label: '有疑点探访加权', unit: '倍' },
} as const;

/** The most in-person visits of a day the server counts (the count reads at most this many rows). */
export const MAX_PER_DAY_CAP = 50;
/** Travel is checked against a visitor's in-person visits within this many hours either side. */
export const TRAVEL_WINDOW_HOURS = 12;
/** A travel distance (after the accuracy allowance) below this is never "too fast" (GPS jitter). */
const TRAVEL_MIN_METERS = 1000;

export interface Point {
  latitude: number;
  longitude: number;
}

/** Great-circle distance in metres (haversine on a 6,371 km sphere: ±0.5 % — plenty for hundreds of metres). */
export function distanceMeters(a: Point, b: Point): number {
  const r = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * r;
  const dLon = (b.longitude - a.longitude) * r;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * r) * Math.cos(b.latitude * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A photo's metadata as the phone read it (EXIF before compression) and hashed it (original bytes). */
export interface PhotoMeta {
  sha256?: string | null;
  /** The hash of the bytes the server received (after the phone's compression). */
  serverSha256?: string | null;
  takenAt?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** A visitor's neighbouring in-person visit (for the travel rule). */
export interface NeighbourVisit {
  visitId: number;
  at: Date;
  latitude: number | null;
  longitude: number | null;
  accuracy: number | null;
}

/** Everything the rules look at for one visit: the visit itself and what the indexed lookups found. */
export interface AuthenticityInput {
  at: Date;
  recordedAt: Date;
  method: 'in_person' | 'phone' | 'video';
  qualifying: boolean;
  openedAt?: Date | null;
  submittedAt?: Date | null;
  location?: (Point & { accuracy?: number | null }) | null;
  photos?: readonly PhotoMeta[];
  /** The person's confirmed home point; null: none (the place rules then say "no reference"). */
  home: Point | null;
  /** The visitor's in-person visits just before (or at the same time) and just after this one. */
  previous?: NeighbourVisit | null;
  next?: NeighbourVisit | null;
  /**
   * The visitor's other in-person visits on the same China day, counted only as far as a rule can
   * use: one past the highest "too many" limit configured anywhere (at most MAX_PER_DAY_CAP).
   */
  sameDayInPerson?: number;
  /** The count stopped there: the visitor has at least that many (the reason says "以上"). */
  sameDayCapped?: boolean;
  /** Other visits carrying one of this visit's photo hashes. */
  reusedPhotoVisitIds?: readonly number[];
  /** This visit's answers fingerprint (null when there is no free text to compare: `answersCanon`). */
  answersHash?: string | null;
  /** The person's previous qualifying visit and its fingerprint. */
  previousOfPerson?: { visitId: number; answersHash: string | null } | null;
  /** Other persons of the same visitor in the month with the same fingerprint (distinct persons). */
  sameAnswersPersons?: number;
}

export type Evidence = Record<string, string | number | boolean | null>;
export interface Signal {
  rule: AuthenticityRule;
  /** Chinese, for the review queue and the visitor's phone. */
  reason: string;
  evidence: Evidence;
}

const round = (n: number) => Math.round(n);
const fmtKm = (m: number) => (m >= 1000 ? `${(m / 1000).toFixed(1)} 公里` : `${round(m)} 米`);

/** The distance to a reference after the allowance for the reported accuracy (never below zero). */
function beyondAccuracy(d: number, accuracy: number | null | undefined, s: AuthenticitySettings) {
  const allowance = Math.min(Math.max(accuracy ?? 0, 0), s['authenticity.accuracyAllowanceMeters']);
  return { allowance, net: Math.max(0, d - allowance) };
}

/** Place: an in-person visit's consented location too far from the confirmed home point. */
export function placeRule(i: AuthenticityInput, s: AuthenticitySettings): Signal | null {
  if (i.method !== 'in_person' || !i.location || !i.home) return null;
  const d = distanceMeters(i.location, i.home);
  const { allowance, net } = beyondAccuracy(d, i.location.accuracy, s);
  const limit = s['authenticity.placeMeters'];
  if (net <= limit) return null;
  return {
    rule: 'place',
    reason: `定位离对象住址 ${fmtKm(d)}（定位精度 ${round(i.location.accuracy ?? 0)} 米），超过 ${limit} 米`,
    evidence: {
      distanceM: round(d),
      accuracyM: round(i.location.accuracy ?? 0),
      allowanceM: round(allowance),
      limitM: limit,
    },
  };
}

/** Photo: EXIF capture time far from the visit time; EXIF place far from home. One signal per rule. */
export function photoRules(i: AuthenticityInput, s: AuthenticitySettings): Signal[] {
  const out: Signal[] = [];
  const hours = s['authenticity.photoHours'];
  for (const [n, p] of (i.photos ?? []).entries()) {
    if (!p.takenAt) continue;
    const t = Date.parse(p.takenAt);
    if (Number.isNaN(t)) continue;
    const diffH = Math.abs(t - i.at.getTime()) / 3600000;
    if (diffH > hours) {
      out.push({
        rule: 'photo_time',
        reason: `第 ${n + 1} 张照片拍摄于探访时间${t < i.at.getTime() ? '前' : '后'} ${diffH >= 48 ? `${(diffH / 24).toFixed(0)} 天` : `${diffH.toFixed(1)} 小时`}，超过 ${hours} 小时`,
        evidence: {
          photo: n + 1,
          takenAt: new Date(t).toISOString(),
          hours: Number(diffH.toFixed(1)),
          limitH: hours,
        },
      });
      break;
    }
  }
  const place = photoPlaceRule(i, s);
  if (place) out.push(place);
  if (i.reusedPhotoVisitIds?.length) {
    out.push({
      rule: 'photo_reused',
      reason: `照片与另外 ${i.reusedPhotoVisitIds.length} 次探访的照片完全相同`,
      evidence: { otherVisitIds: i.reusedPhotoVisitIds.join(',') },
    });
  }
  return out;
}

/** Photo place: the first photo whose EXIF place is farther than N m from the confirmed home point. */
export function photoPlaceRule(i: AuthenticityInput, s: AuthenticitySettings): Signal | null {
  if (!i.home) return null;
  const limit = s['authenticity.placeMeters'];
  for (const [n, p] of (i.photos ?? []).entries()) {
    if (p.latitude == null || p.longitude == null) continue;
    const d = distanceMeters({ latitude: p.latitude, longitude: p.longitude }, i.home);
    if (d > limit)
      return {
        rule: 'photo_place',
        reason: `第 ${n + 1} 张照片的拍摄地点离对象住址 ${fmtKm(d)}，超过 ${limit} 米`,
        evidence: { photo: n + 1, distanceM: round(d), limitM: limit },
      };
  }
  return null;
}

/**
 * The rules measured against the person's home point. When the point is set, moved or removed after
 * visits were stored, these (and only these) are computed again for the stored visits
 * (modules/authenticity `recomputeHomeSignals`), with the same functions as on arrival.
 */
export const HOME_RULES: readonly AuthenticityRule[] = ['place', 'photo_place'];

/** The home-point rules over one visit (what the visit's place and photos say against `i.home`). */
export function homeSignals(
  i: Pick<AuthenticityInput, 'method' | 'location' | 'photos' | 'home'>,
  s: AuthenticitySettings,
): Signal[] {
  // placeRule and photoPlaceRule read only these fields of the input.
  const input = { ...i, at: new Date(0), recordedAt: new Date(0), qualifying: true };
  return [placeRule(input, s), photoPlaceRule(input, s)].filter((x): x is Signal => x != null);
}

/**
 * A stored visit's signals with its home-point ones replaced by `fresh` (the other rules' signals
 * kept as they are), in the rules' order as on arrival; empty when none is left.
 */
export function replaceHomeSignals(stored: readonly Signal[] | null, fresh: readonly Signal[]): Signal[] {
  const order = (r: AuthenticityRule) => AUTHENTICITY_RULES.indexOf(r);
  return [...(stored ?? []).filter((x) => !HOME_RULES.includes(x.rule)), ...fresh].sort(
    (a, b) => order(a.rule) - order(b.rule),
  );
}

/** Travel: this visit and a neighbouring in-person visit of the same visitor need more than N km/h. */
export function travelRule(i: AuthenticityInput, s: AuthenticitySettings): Signal | null {
  if (i.method !== 'in_person' || !i.location) return null;
  const limit = s['authenticity.speedKmh'];
  let worst: { kmh: number; d: number; minutes: number; other: NeighbourVisit } | null = null;
  for (const o of [i.previous, i.next]) {
    if (!o || o.latitude == null || o.longitude == null) continue;
    const d = distanceMeters(i.location, { latitude: o.latitude, longitude: o.longitude });
    const allowance =
      Math.min(Math.max(i.location.accuracy ?? 0, 0), 500) + Math.min(Math.max(o.accuracy ?? 0, 0), 500);
    const net = d - allowance;
    if (net < TRAVEL_MIN_METERS) continue;
    const minutes = Math.abs(i.at.getTime() - o.at.getTime()) / 60000;
    // Two visits at the same minute count as one minute apart (a speed, not a division by zero).
    const kmh = net / 1000 / (Math.max(minutes, 1) / 60);
    if (kmh > limit && (!worst || kmh > worst.kmh)) worst = { kmh, d, minutes, other: o };
  }
  if (!worst) return null;
  return {
    rule: 'travel',
    reason: travelReason(worst.minutes, worst.d, worst.kmh, limit),
    evidence: {
      otherVisitId: worst.other.visitId,
      distanceM: round(worst.d),
      minutes: round(worst.minutes),
      kmh: round(worst.kmh),
      limitKmh: limit,
    },
  };
}

const travelReason = (minutes: number, d: number, kmh: number, limit: number) =>
  `与同一探访人相隔 ${round(minutes)} 分钟的另一次上门探访相距 ${fmtKm(d)}，需时速 ${round(kmh)} 公里，超过 ${limit} 公里`;

/**
 * A travel signal concerns two visits; whichever arrived first was stored without it (the other was
 * not there yet: late data). The same signal for the other visit, pointing back at this one.
 */
export function mirroredTravel(s: Signal, thisVisitId: number): { visitId: number; signal: Signal } | null {
  if (s.rule !== 'travel' || typeof s.evidence.otherVisitId !== 'number') return null;
  return {
    visitId: s.evidence.otherVisitId,
    signal: { ...s, evidence: { ...s.evidence, otherVisitId: thisVisitId } },
  };
}

/** Time: too short (in person, as the phone measured it), stored late, too many in a day. */
export function timeRules(i: AuthenticityInput, s: AuthenticitySettings): Signal[] {
  const out: Signal[] = [];
  const min = s['authenticity.minMinutes'];
  if (i.method === 'in_person' && i.qualifying && i.openedAt && i.submittedAt) {
    const minutes = (i.submittedAt.getTime() - i.openedAt.getTime()) / 60000;
    if (minutes >= 0 && minutes < min) {
      out.push({
        rule: 'too_short',
        reason: `从打开表单到保存只用了 ${minutes < 1 ? '不到 1' : minutes.toFixed(0)} 分钟（少于 ${min} 分钟）`,
        evidence: { minutes: Number(minutes.toFixed(1)), limitMin: min },
      });
    }
  }
  const lateDays = s['authenticity.lateDays'];
  const days = (i.recordedAt.getTime() - i.at.getTime()) / 86400000;
  if (days > lateDays) {
    out.push({
      rule: 'stored_late',
      reason: `探访后 ${days.toFixed(0)} 天才录入（超过 ${lateDays} 天）`,
      evidence: { days: Number(days.toFixed(1)), limitDays: lateDays },
    });
  }
  const maxPerDay = s['authenticity.maxPerDay'];
  if (i.method === 'in_person' && i.sameDayInPerson != null && i.sameDayInPerson + 1 > maxPerDay) {
    const n = i.sameDayInPerson + 1;
    out.push({
      rule: 'too_many',
      reason: `该探访人当天已有 ${n}${i.sameDayCapped ? ' 次以上' : ' 次'}上门探访（超过 ${maxPerDay} 次）`,
      evidence: { count: n, limit: maxPerDay },
    });
  }
  return out;
}

/** Copy: the same answers (free text included) as the person's previous visit, or as many other persons'. */
export function copyRules(i: AuthenticityInput, s: AuthenticitySettings): Signal[] {
  if (!i.qualifying || !i.answersHash) return [];
  const out: Signal[] = [];
  const prev = i.previousOfPerson;
  if (prev?.answersHash && prev.answersHash === i.answersHash) {
    out.push({
      rule: 'copied_previous',
      reason: '检查表和备注与该对象上次探访完全相同',
      evidence: { otherVisitId: prev.visitId },
    });
  }
  const across = s['authenticity.copyAcrossPersons'];
  const persons = (i.sameAnswersPersons ?? 0) + 1;
  if (persons >= across) {
    out.push({
      rule: 'copied_across',
      reason: `本月该探访人有 ${persons} 名对象的检查表和备注完全相同（达到 ${across} 名）`,
      evidence: { persons, limit: across },
    });
  }
  return out;
}

/** Every rule over one visit; an empty list when nothing tripped. */
export function assessVisit(i: AuthenticityInput, s: AuthenticitySettings = AUTHENTICITY_DEFAULTS): Signal[] {
  return [
    placeRule(i, s),
    ...photoRules(i, s),
    travelRule(i, s),
    ...timeRules(i, s),
    ...copyRules(i, s),
  ].filter((x): x is Signal => x != null);
}

/** Free text shorter than this (all notes together) is not compared: "一切正常" every month is honest. */
export const COPY_MIN_FREE_TEXT = 8;

/**
 * The text the copy rules compare: the answers (keys sorted) and the notes, or null when too little
 * was typed freely (notes and item notes together under COPY_MIN_FREE_TEXT characters): a person who
 * is well month after month gives the same choices honestly, so only identical free text is a sign of
 * copying. The server hashes it.
 */
export function answersCanon(answers: unknown, notes: string | null | undefined): string | null {
  // Counted first, without building anything: most visits type too little, and this runs on every
  // submission (building the sorted copy for nothing cost ~30 µs and its garbage a visit).
  if ((notes?.trim().length ?? 0) + freeText(answers) < COPY_MIN_FREE_TEXT) return null;
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, canon(o[k])]),
      );
    }
    return v;
  };
  return JSON.stringify([canon(answers), notes?.trim() ?? '']);
}

/** Characters typed into the answers' notes (`note` of any item, risk or request), trimmed. */
function freeText(v: unknown): number {
  if (!v || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += freeText(x);
    return n;
  }
  // for…in over own keys, not Object.entries: no array of pairs built for every answer of every visit.
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const x = o[k];
    n += k === 'note' && typeof x === 'string' ? x.trim().length : freeText(x);
  }
  return n;
}

/** The review note is required when explaining or rejecting a flagged visit. */
export function reviewNeedsNote(state: ReviewState): boolean {
  return state === 'explained' || state === 'rejected';
}

/**
 * The spot-check sample of a town's month: reproducible from the seed (a seeded generator, no
 * Math.random). `size` = max(min, ceil(rate × population)) capped at the population; each visit's
 * weight is 1, or `flaggedWeight` when it was flagged; drawn without replacement by the
 * Efraimidis–Spirakis method (key = u^(1/w), the largest keys win), visits in id order first so the
 * same seed and the same visits give the same sample on any machine.
 */
export function drawSample(
  visits: readonly { id: number; flagged: boolean }[],
  o: { seed: string; rate: number; min: number; flaggedWeight: number },
): number[] {
  const sorted = [...visits].sort((a, b) => a.id - b.id);
  const size = Math.min(sorted.length, Math.max(o.min, Math.ceil(o.rate * sorted.length)));
  const rand = seededRandom(o.seed);
  const keyed = sorted.map((v) => {
    const u = Math.max(rand(), 1e-12);
    const w = v.flagged ? Math.max(o.flaggedWeight, 1) : 1;
    return { id: v.id, key: Math.log(u) / w };
  });
  keyed.sort((a, b) => b.key - a.key || a.id - b.id);
  return keyed
    .slice(0, size)
    .map((k) => k.id)
    .sort((a, b) => a - b);
}

/** A deterministic generator in [0, 1) from a text seed (xmur3 hash → mulberry32). */
export function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
