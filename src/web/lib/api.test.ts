import { describe, expect, it } from 'vitest';
import { HttpError, retryRead, retryReadDelay } from './api';

const err = (status: number, retryAfter?: number) =>
  new HttpError(status, { statusCode: status, code: 'X', message: 'x' }, retryAfter);

// The console's reads through a database failover (the server answers 503 + Retry-After for ~5-20 s).
describe('retrying reads', () => {
  it('keeps trying a 503 or a dropped connection for about half a minute, honouring Retry-After', () => {
    let waited = 0;
    let n = 0;
    while (retryRead(n, err(503))) waited += retryReadDelay(n++, err(503));
    expect(n).toBe(6);
    expect(waited).toBeGreaterThanOrEqual(30_000);
    expect(retryRead(0, new TypeError('Failed to fetch'))).toBe(true);
    expect(retryReadDelay(0, err(503, 5))).toBe(5000);
    expect(retryReadDelay(0, err(503, 3600))).toBe(30_000);
  });

  it('tries another 5xx once and never a 4xx, whose answer would not change', () => {
    expect(retryRead(0, err(500))).toBe(true);
    expect(retryRead(1, err(500))).toBe(false);
    for (const s of [400, 401, 403, 404, 409]) expect(retryRead(0, err(s))).toBe(false);
    expect(retryRead(0, new Error('bug'))).toBe(false);
  });
});
