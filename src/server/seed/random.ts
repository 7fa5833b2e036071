/** Deterministic names and numbers, so the demo looks the same on every machine. */

const SURNAMES =
  '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文';
const GIVEN =
  '秀英桂兰玉兰凤英建华志强海军永明春梅金花淑珍国庆丽娟文华宝山巴特尔其其格乌云娜仁格日勒图苏和额尔敦德力格尔';

/** A deterministic pseudo-random source so the demo looks the same on every machine. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function fakeName(rand: () => number): string {
  const sur = SURNAMES[Math.floor(rand() * SURNAMES.length)];
  const len = rand() < 0.7 ? 2 : 1;
  let g = '';
  for (let i = 0; i < len; i++) g += GIVEN[Math.floor(rand() * GIVEN.length)];
  return sur + g;
}

export interface DemoUsers {
  byUsername: Map<string, number>;
  /** Visitors per village id. */
  visitorsByVillage: Map<number, number[]>;
}
