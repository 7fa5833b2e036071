import { randomUUID } from 'node:crypto';
import { checklistFor, fineAnswers, type VisitRisk } from '../src/shared/checklist.js';
import type { TestEnv } from './context.js';
import type { actorClient } from './factories.js';

type Client = Awaited<ReturnType<typeof actorClient>>;

/**
 * Records a visit through the API with every check fine except what the test sets: the risks
 * ticked (section I), or any other answers via `answers`. An officer passes `visitorId` to enter a
 * paper record for a visitor.
 */
export async function recordVisitWith(
  env: TestEnv,
  by: Pick<Client, 'http'>,
  personId: number,
  o: {
    risks?: VisitRisk[];
    at?: string;
    visitorId?: number;
    answers?: (a: ReturnType<typeof fineAnswers>) => void;
  } = {},
) {
  const at = o.at ?? new Date(env.ctx.clock.now().getTime() - 3600000).toISOString();
  const cl = (await by.http.get(`/api/checklist?personId=${personId}&at=${at.slice(0, 10)}`)).json();
  const answers = fineAnswers(checklistFor(cl.date), cl.seasons);
  answers.I = { ...answers.I, risks: { value: o.risks ?? [] } };
  o.answers?.(answers);
  const res = await by.http.post('/api/visits', {
    clientId: randomUUID(),
    personId,
    at,
    method: 'in_person',
    outcome: 'reached',
    answers,
    visitorId: o.visitorId,
  });
  if (res.statusCode !== 201) throw new Error(`visit: ${res.statusCode} ${res.body}`);
  return res.json();
}
