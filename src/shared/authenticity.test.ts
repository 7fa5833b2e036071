import { describe, expect, it } from 'vitest';
import {
  type AuthenticityInput,
  answersCanon,
  assessVisit,
  distanceMeters,
  drawSample,
  homeSignals,
  type Point,
  replaceHomeSignals,
  AUTHENTICITY_DEFAULTS as S,
} from './authenticity.js';

const HOME: Point = { latitude: 39.9, longitude: 116.4 };
/** A point `m` metres north of `p` (1° of latitude ≈ 111,195 m on the 6,371 km sphere). */
const north = (p: Point, m: number): Point => ({
  latitude: p.latitude + m / 111194.93,
  longitude: p.longitude,
});
const AT = new Date('2026-11-10T02:00:00Z');
const min = (n: number) => new Date(AT.getTime() + n * 60000);
const base = (o: Partial<AuthenticityInput> = {}): AuthenticityInput => ({
  at: AT,
  recordedAt: min(30),
  method: 'in_person',
  qualifying: true,
  openedAt: min(-20),
  submittedAt: min(0),
  location: { ...north(HOME, 50), accuracy: 20 },
  home: HOME,
  ...o,
});
const rules = (i: AuthenticityInput) => assessVisit(i, S).map((s) => s.rule);

describe('authenticity rules', () => {
  it('a plain genuine visit trips nothing', () => {
    expect(rules(base())).toEqual([]);
  });

  it('distance is right to a metre over a kilometre', () => {
    expect(Math.round(distanceMeters(HOME, north(HOME, 1000)))).toBe(1000);
  });

  it('place: 3 km from home with good accuracy is far; 450 m with poor accuracy is not', () => {
    const far = assessVisit(base({ location: { ...north(HOME, 3000), accuracy: 15 } }));
    expect(far.map((s) => s.rule)).toEqual(['place']);
    expect(far[0].evidence.distanceM).toBe(3000);
    expect(far[0].reason).toContain('3.0 公里');
    expect(rules(base({ location: { ...north(HOME, 450), accuracy: 800 } }))).toEqual([]);
    // 700 m reported with 300 m accuracy: could be 400 m — not flagged; with 50 m accuracy it is.
    expect(rules(base({ location: { ...north(HOME, 700), accuracy: 300 } }))).toEqual([]);
    expect(rules(base({ location: { ...north(HOME, 700), accuracy: 50 } }))).toEqual(['place']);
    // A huge reported accuracy is allowed only up to the cap: 5 km away with "5 km accuracy" is far.
    expect(rules(base({ location: { ...north(HOME, 5000), accuracy: 5000 } }))).toEqual(['place']);
  });

  it('place: no home point means no reference, never "far"; phone visits have no place', () => {
    expect(rules(base({ home: null, location: { ...north(HOME, 30000), accuracy: 10 } }))).toEqual([]);
    expect(rules(base({ method: 'phone', location: null }))).toEqual([]);
  });

  it('photo time: taken two days before the visit trips; an hour before does not', () => {
    const old = new Date(AT.getTime() - 48 * 3600000).toISOString();
    expect(rules(base({ photos: [{ takenAt: old }] }))).toEqual(['photo_time']);
    expect(rules(base({ photos: [{ takenAt: min(-60).toISOString() }] }))).toEqual([]);
    expect(rules(base({ photos: [{ takenAt: 'garbage' }] }))).toEqual([]);
  });

  it('photo place and reuse', () => {
    const p = north(HOME, 5000);
    expect(rules(base({ photos: [{ latitude: p.latitude, longitude: p.longitude }] }))).toEqual([
      'photo_place',
    ]);
    const near = north(HOME, 80);
    expect(rules(base({ photos: [{ latitude: near.latitude, longitude: near.longitude }] }))).toEqual([]);
    expect(rules(base({ reusedPhotoVisitIds: [17] }))).toEqual(['photo_reused']);
  });

  it('travel: 3 km in 10 minutes by car is fine, 30 km is not; jitter at the same minute is fine', () => {
    const at3km = north(HOME, 3050);
    const prev3 = {
      visitId: 1,
      at: min(-10),
      latitude: at3km.latitude,
      longitude: at3km.longitude,
      accuracy: 20,
    };
    expect(rules(base({ previous: prev3 }))).toEqual([]);
    const at30 = north(HOME, 30050);
    const prev30 = { ...prev3, latitude: at30.latitude, longitude: at30.longitude };
    const s = assessVisit(base({ previous: prev30 }));
    expect(s.map((x) => x.rule)).toEqual(['travel']);
    expect(s[0].evidence.otherVisitId).toBe(1);
    // The next visit (late data: this one was stored after it) is checked too.
    expect(rules(base({ next: { ...prev30, at: min(10) } }))).toEqual(['travel']);
    // 300 m apart at the same minute (two neighbours, GPS drift): below the jitter floor.
    const n300 = north(HOME, 350);
    expect(rules(base({ previous: { ...prev3, at: AT, ...n300 } }))).toEqual([]);
    // A neighbour without a location cannot say anything.
    expect(rules(base({ previous: { ...prev3, latitude: null, longitude: null } }))).toEqual([]);
  });

  it('time: too short, stored late, too many in a day — and their look-alikes', () => {
    expect(rules(base({ openedAt: min(-2) }))).toEqual(['too_short']);
    expect(rules(base({ openedAt: min(-6) }))).toEqual([]);
    // A phone call may be short.
    expect(rules(base({ method: 'phone', location: null, openedAt: min(-1) }))).toEqual([]);
    // No measurement (a paper record) says nothing.
    expect(rules(base({ openedAt: null }))).toEqual([]);
    expect(rules(base({ recordedAt: new Date(AT.getTime() + 9 * 86400000) }))).toEqual(['stored_late']);
    // Two days offline in the hills is normal.
    expect(rules(base({ recordedAt: new Date(AT.getTime() + 2 * 86400000) }))).toEqual([]);
    expect(rules(base({ sameDayInPerson: 12 }))).toEqual(['too_many']);
    expect(rules(base({ sameDayInPerson: 11 }))).toEqual([]);
    // The server stops counting one past the highest limit: the reason then gives a lower bound.
    const reason = (i: AuthenticityInput) => assessVisit(i, S).find((s) => s.rule === 'too_many')?.reason;
    expect(reason(base({ sameDayInPerson: 12 }))).toBe('该探访人当天已有 13 次上门探访（超过 12 次）');
    expect(reason(base({ sameDayInPerson: 13, sameDayCapped: true }))).toBe(
      '该探访人当天已有 14 次以上上门探访（超过 12 次）',
    );
  });

  it('copy: identical free text as the previous visit or across persons; plain "all fine" is not copying', () => {
    expect(rules(base({ answersHash: 'h', previousOfPerson: { visitId: 3, answersHash: 'h' } }))).toEqual([
      'copied_previous',
    ]);
    expect(rules(base({ answersHash: 'h', previousOfPerson: { visitId: 3, answersHash: 'g' } }))).toEqual([]);
    expect(rules(base({ answersHash: 'h', sameAnswersPersons: 2 }))).toEqual(['copied_across']);
    expect(rules(base({ answersHash: 'h', sameAnswersPersons: 1 }))).toEqual([]);
    expect(rules(base({ answersHash: null, sameAnswersPersons: 9 }))).toEqual([]);
    expect(answersCanon({ A: { x: { value: 'good' } } }, '')).toBeNull();
    expect(answersCanon({ A: { x: { value: 'good' } } }, '一切正常')).toBeNull();
    expect(answersCanon({ A: { x: { value: 'poor', note: '屋顶漏雨，西墙有裂缝' } } }, null)).not.toBeNull();
    // Notes of risks and requests (lists) count, all together: 4 + 4 characters reach 8, 4 + 3 do not.
    const risks = (a: string, b: string) => ({
      I: {
        risks: {
          value: [
            { code: 'wandering', note: a },
            { code: 'missing', note: b },
          ],
        },
      },
    });
    expect(answersCanon(risks('常外出走', '联系不上'), '')).not.toBeNull();
    expect(answersCanon(risks('常外出走', '联系不'), '')).toBeNull();
    expect(answersCanon(risks('常外出走', '联系不'), ' 好 ')).not.toBeNull();
    // Key order does not matter.
    expect(answersCanon({ B: { y: { value: 1 } }, A: { x: { value: 2 } } }, '老人精神很好，屋里暖和')).toBe(
      answersCanon({ A: { x: { value: 2 } }, B: { y: { value: 1 } } }, ' 老人精神很好，屋里暖和 '),
    );
  });
});

describe('spot-check sample', () => {
  const visits = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, flagged: i < 10 }));
  it('is reproducible from its seed and sized 5 %, at least 3', () => {
    const a = drawSample(visits, { seed: 's1', rate: 0.05, min: 3, flaggedWeight: 4 });
    expect(a).toHaveLength(10);
    expect(drawSample([...visits].reverse(), { seed: 's1', rate: 0.05, min: 3, flaggedWeight: 4 })).toEqual(
      a,
    );
    expect(drawSample(visits, { seed: 's2', rate: 0.05, min: 3, flaggedWeight: 4 })).not.toEqual(a);
    expect(
      drawSample(visits.slice(0, 20), { seed: 's1', rate: 0.05, min: 3, flaggedWeight: 4 }),
    ).toHaveLength(3);
    expect(drawSample(visits.slice(0, 2), { seed: 's1', rate: 0.05, min: 3, flaggedWeight: 4 })).toHaveLength(
      2,
    );
  });
  it('weights flagged visits up', () => {
    let flagged = 0;
    for (let k = 0; k < 200; k++)
      flagged += drawSample(visits, { seed: `k${k}`, rate: 0.05, min: 3, flaggedWeight: 4 }).filter(
        (id) => id <= 10,
      ).length;
    // Unweighted, 5 % of the sample would be flagged (0.5 a draw); weighted 4×, about 1.7.
    expect(flagged / 200).toBeGreaterThan(1.2);
  });
});

describe('home-point rules computed again for a stored visit', () => {
  it('are exactly what assessVisit says for place and photo place, and replace only those', () => {
    const photos = [{ takenAt: AT.toISOString(), ...north(HOME, 3000) }];
    const i = base({ location: { ...north(HOME, 55000), accuracy: 20 }, photos, openedAt: min(-1) });
    const all = assessVisit(i, S);
    expect(all.map((x) => x.rule)).toEqual(['place', 'photo_place', 'too_short']);
    const fresh = homeSignals(i, S);
    expect(fresh).toEqual(all.filter((x) => x.rule === 'place' || x.rule === 'photo_place'));
    // Stored without a home point: only too_short. With the point: the rules' order as on arrival.
    const stored = assessVisit({ ...i, home: null }, S);
    expect(stored.map((x) => x.rule)).toEqual(['too_short']);
    expect(replaceHomeSignals(stored, fresh)).toEqual(all);
    // The point moved to the visit's place: place goes, photo place (3 km from home, 52 km from the
    // new point) stays; removed: none of them.
    const moved = homeSignals({ ...i, home: north(HOME, 55000) }, S);
    expect(moved.map((x) => x.rule)).toEqual(['photo_place']);
    expect(replaceHomeSignals(all, moved).map((x) => x.rule)).toEqual(['photo_place', 'too_short']);
    expect(replaceHomeSignals(all, homeSignals({ ...i, home: null }, S))).toEqual(stored);
    expect(replaceHomeSignals(null, [])).toEqual([]);
  });
});
