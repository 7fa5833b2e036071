/** The server's notion of "now". Fixed by TANFANG_NOW for demos; tests move it with set(). */
export interface Clock {
  now(): Date;
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function createClock(fixed?: string): Clock {
  let offset = 0;
  let pinned: number | undefined = fixed ? Date.parse(fixed) : undefined;
  return {
    now: () => new Date(pinned !== undefined ? pinned + offset : Date.now() + offset),
    set(at) {
      pinned = typeof at === 'string' ? Date.parse(at) : at.getTime();
      offset = 0;
    },
    advance(ms) {
      offset += ms;
    },
  };
}
