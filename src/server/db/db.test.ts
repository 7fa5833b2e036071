import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../test/context.js';
import { sql } from './sql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

// On PostgreSQL, arrays of integers are sent as one array literal (db.ts `arrayLiteral`) instead of
// pg's element-by-element conversion; on PGlite they go as they are. Both must mean the same array.
describe('array parameters', () => {
  const one = async (text: string, params: unknown[]) =>
    (await env.ctx.db.query<{ a: unknown }>(sql(text), params))[0].a;

  it('integer arrays arrive whole as int[], bigint[] and text[], and in = any()', async () => {
    const ids = [3, -7, 0, 2147483647, 12];
    expect(await one('select $1::int[] as a', [ids])).toEqual(ids);
    expect(await one('select array_length($1::bigint[], 1) as a', [[1, 9007199254740991]])).toBe(2);
    expect(await one('select $1::text[] as a', [[1, 22]])).toEqual(['1', '22']);
    expect(
      await one('select count(*)::int as a from generate_series(-10, 20) g where g = any($1::int[])', [ids]),
    ).toBe(4);
  });

  it('other arrays keep their own conversion: empty, with nulls, text, fractions', async () => {
    expect(await one('select coalesce(array_length($1::int[], 1), 0) as a', [[]])).toBe(0);
    expect(await one('select $1::int[] as a', [[1, null, 3]])).toEqual([1, null, 3]);
    expect(await one('select $1::text[] as a', [['a,b', '{"x"}', '1']])).toEqual(['a,b', '{"x"}', '1']);
    expect(await one('select $1::float8[] as a', [[1.5, 2]])).toEqual([1.5, 2]);
  });
});
