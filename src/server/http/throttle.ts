import type { Config } from '../config.js';
import { tooManyRequests } from './errors.js';

/**
 * Counters of failed attempts per key in a fixed window, in this process's memory (several server
 * processes each keep their own: the effective limit is the limit times the processes, still a few
 * dozen guesses where there were thousands). The account lockout itself is counted in the database
 * (auth/repo.ts), this only slows down what a lockout cannot: one address trying many user names,
 * and a logged-in session guessing its own password or second factor.
 */
class Failures {
  private readonly hits = new Map<string, { n: number; until: number }>();
  constructor(
    private readonly max: () => number,
    private readonly windowMs: number,
  ) {}

  /** Seconds left to wait when `key` has used up its failures, else 0. */
  wait(key: string, now: number): number {
    const h = this.hits.get(key);
    if (!h || h.until <= now) return 0;
    return h.n >= this.max() ? Math.ceil((h.until - now) / 1000) : 0;
  }

  fail(key: string, now: number) {
    const h = this.hits.get(key);
    if (!h || h.until <= now) {
      if (this.hits.size > 50_000) for (const [k, v] of this.hits) if (v.until <= now) this.hits.delete(k);
      this.hits.set(key, { n: 1, until: now + this.windowMs });
    } else h.n++;
  }

  clear(key: string) {
    this.hits.delete(key);
  }
}

const registry = new WeakMap<Config, Map<string, Failures>>();

/** One app's (one configuration's) counters of a kind, made on first use. */
function failures(config: Config, name: string, max: () => number, windowMs: number): Failures {
  let m = registry.get(config);
  if (!m) {
    m = new Map();
    registry.set(config, m);
  }
  let f = m.get(name);
  if (!f) {
    f = new Failures(max, windowMs);
    m.set(name, f);
  }
  return f;
}

const WINDOW_MS = 15 * 60_000;

/**
 * Failed logins per client address across all user names (password spraying): after
 * `config.loginAddressFailures` in 15 minutes the address hears 429 with Retry-After until the window
 * ends, whatever name it tries. Successful logins do not count, so an office behind one address is
 * not held back by its own users.
 */
export function loginFailures(config: Config, ip: string) {
  const f = failures(config, 'login-address', () => config.loginAddressFailures, WINDOW_MS);
  return {
    check(now: number) {
      const s = f.wait(ip, now);
      if (s) throw tooManyRequests(s, '登录失败');
    },
    fail: (now: number) => f.fail(ip, now),
  };
}

/** Wrong passwords or codes a logged-in user may enter in 15 minutes (password change, TOTP setup). */
export const SECRET_CHECK_FAILURES = 5;

/**
 * Checks of a logged-in user's own password or second factor (`/api/me/password`, `/api/me/totp/*`):
 * after 5 wrong ones in 15 minutes a stolen session cannot go on guessing — 429 with Retry-After, even
 * for the right answer, until the window ends. One counter per user for all these routes.
 */
export function secretChecks(config: Config, userId: number) {
  const f = failures(config, 'me-secret', () => SECRET_CHECK_FAILURES, WINDOW_MS);
  const key = String(userId);
  return {
    check(now: number) {
      const s = f.wait(key, now);
      if (s) throw tooManyRequests(s, '密码或验证码错误次数');
    },
    fail: (now: number) => f.fail(key, now),
  };
}

/** Imports (dry runs included) one user may start in an hour. */
export const IMPORTS_PER_HOUR = 60;

/**
 * Counts an import started by the user (roster or disbursement list, dry run or not): past
 * `IMPORTS_PER_HOUR` in an hour, 429 with Retry-After. A dry run checks every ID number of a file
 * against the register; this keeps that from becoming a bulk existence check.
 */
export function countImport(config: Config, userId: number, now: number) {
  const f = failures(config, 'imports', () => IMPORTS_PER_HOUR, 60 * 60_000);
  const key = String(userId);
  const s = f.wait(key, now);
  if (s) throw tooManyRequests(s, '导入');
  f.fail(key, now);
}
