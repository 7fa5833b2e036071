import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { escalateDue } from './index.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('the escalation loop every case kind runs', () => {
  it('claims batch after batch, each in its own transaction, until one comes back short', async () => {
    const due = Array.from({ length: 7 }, (_, i) => i + 1);
    const batches: number[][] = [];
    const seen: number[] = [];
    const r = await escalateDue(env.ctx, {
      batch: 3,
      claim: async (_q, _now, limit) => {
        const b = due.splice(0, limit);
        batches.push(b);
        return b;
      },
      escalate: async (_q, row) => {
        seen.push(row);
      },
    });
    expect(r).toEqual({ escalated: 7 });
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a failing escalation rolls its batch back and stops the run', async () => {
    let claimed = 0;
    await expect(
      escalateDue(env.ctx, {
        batch: 2,
        claim: async () => {
          claimed++;
          return [1, 2];
        },
        escalate: async (_q, row) => {
          if (row === 2) throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect(claimed).toBe(1);
  });
});
