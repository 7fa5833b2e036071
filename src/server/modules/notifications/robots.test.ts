import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown } from '../../../../test/factories.js';
import { isolatedEnv } from '../../../../test/isolated-db.js';
import { sql } from '../../db/sql.js';
import { deliverDue, notify, signWebhook } from './service.js';

/**
 * Issue 30: the channels officials read. A local receiver plays 企业微信's and 钉钉's group robots
 * and an SMS gateway; it checks each request against the documented shape and answers as they do.
 */
interface Hit {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}
// A database of its own: the channels are system-wide settings and the outbox is delivered by whoever
// calls deliverDue — other files running beside this one (notifications.test.ts) change and drain both.
let env: TestEnv & { drop: () => Promise<void> };
let server: Server;
let base = '';
const hits: Hit[] = [];
/** errcode the robots answer with (0 = delivered). */
let robotErr = 0;
let admin: Awaited<ReturnType<typeof actorClient>>;

beforeAll(async () => {
  env = await isolatedEnv(await testEnv());
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      hits.push({ path: u.pathname, query: u.searchParams, headers: req.headers, body: JSON.parse(raw) });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          u.pathname === '/sms' ? { ok: true } : { errcode: robotErr, errmsg: robotErr ? 'bad' : 'ok' },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = await actorClient(env, 'bureau_admin', env.districtId);
});
afterAll(async () => {
  // Leave the channels off so other test files queue nothing.
  await admin.http.put('/api/notifications/channels', {
    email: { enabled: false },
    webhook: { enabled: false },
    wecom: { enabled: false },
    dingtalk: { enabled: false },
    sms: { enabled: false },
  });
  server.close();
  await env.drop();
});

describe('企业微信, 钉钉 and SMS channels', () => {
  it('posts each event once to each group in the documented markdown shapes, signed; SMS per recipient', async () => {
    const put = await admin.http.put('/api/notifications/channels', {
      email: { enabled: false },
      webhook: { enabled: false },
      wecom: { enabled: true, url: `${base}/cgi-bin/webhook/send?key=WECOM-KEY` },
      dingtalk: { enabled: true, url: `${base}/robot/send?access_token=DING-TOKEN`, secret: 'SECtest123' },
      sms: { enabled: true, url: `${base}/sms`, token: 'gw-token', secret: 'gw-secret' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const shown = put.json();
    expect(JSON.stringify(shown)).not.toContain('WECOM-KEY');
    expect(JSON.stringify(shown)).not.toContain('SECtest123');
    expect(shown.dingtalk).toMatchObject({ enabled: true, hasSecret: true });
    const bad = await admin.http.put('/api/notifications/channels', {
      email: { enabled: false },
      webhook: { enabled: false },
      wecom: { enabled: true, url: 'ftp://x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('wecom.url');

    const { town } = await buildTown(env);
    const a = await actorClient(env, 'town_officer', town.id);
    const b = await actorClient(env, 'town_officer', town.id);
    expect((await a.http.put('/api/inbox/settings', { email: null, phone: '13800001111' })).json()).toEqual({
      email: null,
      phone: '13800001111',
    });
    expect((await b.http.put('/api/inbox/settings', { email: null, phone: '12345' })).statusCode).toBe(400);

    const key = `robots-${town.id}`;
    const send = (recipients: number[]) =>
      env.ctx.db.tx((q) =>
        notify(q, {
          recipients,
          kind: 'incident.opened',
          title: '应急事件：张三 发生重病',
          body: '请镇街在 2 小时内确认',
          ref: { entity: 'incident', id: 7 },
          dedupeKey: key,
          now: env.ctx.clock.now(),
        }),
      );
    await send([a.id, b.id]);
    await send([b.id]); // the same event again, other recipients: no second group post
    hits.length = 0;
    const before = Date.now();
    await deliverDue(env.ctx);
    const wecom = hits.filter((h) => h.path === '/cgi-bin/webhook/send');
    const ding = hits.filter((h) => h.path === '/robot/send');
    const sms = hits.filter((h) => h.path === '/sms');
    expect([wecom.length, ding.length, sms.length]).toEqual([1, 1, 1]);

    // 企业微信: {"msgtype":"markdown","markdown":{"content":"…"}}, at most 4,096 bytes, key in the address.
    expect(wecom[0].query.get('key')).toBe('WECOM-KEY');
    expect(Object.keys(wecom[0].body)).toEqual(['msgtype', 'markdown']);
    expect(wecom[0].body.msgtype).toBe('markdown');
    expect(Object.keys(wecom[0].body.markdown)).toEqual(['content']);
    expect(wecom[0].body.markdown.content).toContain('应急事件：张三 发生重病');
    expect(Buffer.byteLength(wecom[0].body.markdown.content)).toBeLessThanOrEqual(4096);

    // 钉钉: {"msgtype":"markdown","markdown":{"title","text"}}; 加签 timestamp (ms) and sign in the query.
    const d = ding[0];
    expect(d.query.get('access_token')).toBe('DING-TOKEN');
    const ts = Number(d.query.get('timestamp'));
    expect(ts).toBeGreaterThanOrEqual(before - 1000);
    expect(ts).toBeLessThanOrEqual(Date.now() + 1000);
    const sign = createHmac('sha256', 'SECtest123').update(`${ts}\nSECtest123`).digest('base64');
    expect(d.query.get('sign')).toBe(sign);
    expect(d.body).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: expect.stringContaining('应急事件'),
        text: expect.stringContaining('请镇街在 2 小时内确认'),
      },
    });

    // SMS gateway: to the one recipient with a number, bearer token and the webhook's signature.
    const s = sms[0];
    expect(s.body).toEqual({
      id: `${key}:${a.id}`,
      to: '13800001111',
      text: expect.stringContaining('【探访】'),
      kind: 'incident.opened',
    });
    expect(s.headers.authorization).toBe('Bearer gw-token');
    const raw = JSON.stringify(s.body);
    expect(s.headers['x-tanfang-signature']).toBe(
      `sha256=${signWebhook('gw-secret', String(s.headers['x-tanfang-timestamp']), raw)}`,
    );

    // Delivered once: another run sends nothing.
    hits.length = 0;
    await deliverDue(env.ctx);
    expect(hits.filter((h) => h.path !== '/sms' || h.body.id.startsWith(key))).toHaveLength(0);
  });

  it('retries a robot that answers errcode ≠ 0 (HTTP 200), and sends it once when it accepts', async () => {
    const { town } = await buildTown(env);
    const a = await actorClient(env, 'town_officer', town.id);
    const key = `robots-retry-${town.id}`;
    await env.ctx.db.tx((q) =>
      notify(q, {
        recipients: [a.id],
        kind: 'concern.opened',
        title: `新的诉求 ${key}`,
        dedupeKey: key,
        now: env.ctx.clock.now(),
      }),
    );
    robotErr = 310000; // 钉钉: 签名不匹配
    await deliverDue(env.ctx);
    const rows = await env.ctx.db.query<{
      channel: string;
      status: string;
      attempts: number;
      last_error: string;
    }>(
      sql(
        `select channel, status, attempts, last_error from notification_outbox where dedupe_key = $1 and channel in ('wecom', 'dingtalk') order by channel`,
      ),
      [key],
    );
    expect(rows.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ['dingtalk', 'queued', 1],
      ['wecom', 'queued', 1],
    ]);
    expect(rows[0].last_error).toContain('310000');
    robotErr = 0;
    await env.ctx.db.query(
      // Due a minute ago: the database's now() can be a millisecond ahead of the clock deliverDue reads.
      sql(
        `update notification_outbox set next_attempt_at = now() - interval '1 minute' where dedupe_key = $1`,
      ),
      [key],
    );
    // Counted by this event's text from here on, whoever delivers it: the suite's other files share the
    // database and may run their own delivery at the same moment (it happened on PostgreSQL in CI);
    // exactly once per channel either way.
    const from = hits.length;
    await deliverDue(env.ctx);
    const ours = () =>
      hits.slice(from).filter((h) => h.path !== '/sms' && JSON.stringify(h.body).includes(key));
    await expect.poll(() => ours().length).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(ours().length).toBe(2);
    const sent = await env.ctx.db.query<{ status: string }>(
      sql(
        `select status from notification_outbox where dedupe_key = $1 and channel in ('wecom', 'dingtalk')`,
      ),
      [key],
    );
    expect(sent.map((r) => r.status)).toEqual(['sent', 'sent']);
  });
});
