import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown } from '../../../../test/factories.js';
import { type Clock, createClock } from '../../clock.js';
import { runJob } from '../../jobs/runner.js';
import * as repo from './repo.js';
import { deliverDue, notify, signWebhook } from './service.js';

let env: TestEnv;
let savedClock: Clock;
const T0 = '2026-03-10T09:00:00+08:00';

beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
  env.ctx.clock = createClock(T0);
});
afterAll(() => {
  env.ctx.clock = savedClock;
});

const tx = <T>(fn: Parameters<TestEnv['ctx']['db']['tx']>[0]) => env.ctx.db.tx(fn) as Promise<T>;

describe('inbox', () => {
  it('delivers to the users whose grant covers the area, counts unread, marks read', async () => {
    const { town, villages } = await buildTown(env);
    const other = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    const villageOfficer = await actorClient(env, 'village_officer', villages[0].id);
    const otherVillage = await actorClient(env, 'village_officer', villages[1].id);
    const outsider = await actorClient(env, 'town_officer', other.town.id);

    const res = await tx<{ recipients: number[] }>((q) =>
      notify(q, {
        recipients: [
          { role: 'town_officer', areaId: villages[0].id },
          { role: 'village_officer', areaId: villages[0].id },
        ],
        kind: 'concern.opened',
        title: '新的诉求：屋顶漏雨',
        body: '测试村1 有一条新的诉求',
        ref: { entity: 'concern', id: 42 },
        dedupeKey: `test-inbox-${town.id}`,
        now: env.ctx.clock.now(),
      }),
    );
    expect(res.recipients.sort()).toEqual([officer.id, villageOfficer.id].sort());

    const inbox = (await officer.http.get('/api/inbox')).json();
    expect(inbox.unread).toBe(1);
    expect(inbox.items[0]).toMatchObject({
      title: '新的诉求：屋顶漏雨',
      read: false,
      ref: { entity: 'concern', id: '42' },
    });
    expect((await otherVillage.http.get('/api/inbox')).json().unread).toBe(0);
    expect((await outsider.http.get('/api/inbox')).json().items).toHaveLength(0);

    // Someone else's notification answers 404, and stays unread.
    expect((await outsider.http.post(`/api/inbox/${inbox.items[0].id}/read`)).statusCode).toBe(404);
    const read = await officer.http.post(`/api/inbox/${inbox.items[0].id}/read`);
    expect(read.json()).toEqual({ unread: 0 });
    expect((await officer.http.get('/api/inbox?unread=1')).json().items).toHaveLength(0);
    expect((await villageOfficer.http.get('/api/inbox/unread-count')).json()).toEqual({ unread: 1 });
    expect((await villageOfficer.http.post('/api/inbox/read-all')).json()).toEqual({ unread: 0 });
  });

  it('never adds a second inbox row for the same event and recipient', async () => {
    const { town } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    for (let i = 0; i < 3; i++) {
      await tx((q) =>
        notify(q, {
          recipients: [officer.id],
          kind: 'incident.opened',
          title: '同一事件',
          dedupeKey: `test-dedupe-${town.id}`,
          now: env.ctx.clock.now(),
        }),
      );
    }
    expect((await officer.http.get('/api/inbox')).json().items).toHaveLength(1);
  });

  it('rejects a bad e-mail address naming the field', async () => {
    const { town } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    const res = await officer.http.put('/api/inbox/settings', { email: 'not-an-address' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('邮箱');
  });
});

interface Hook {
  server: Server;
  url: string;
  received: { body: any; headers: IncomingMessage['headers']; signatureOk: boolean }[];
  status: number;
}

async function startWebhook(secret: string, status = 200): Promise<Hook> {
  const hook: Hook = { server: undefined as unknown as Server, url: '', received: [], status };
  hook.server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const ts = String(req.headers['x-tanfang-timestamp']);
      hook.received.push({
        body: JSON.parse(data),
        headers: req.headers,
        signatureOk: req.headers['x-tanfang-signature'] === `sha256=${signWebhook(secret, ts, data)}`,
      });
      res.writeHead(hook.status).end('ok');
    });
  });
  await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hook`;
  return hook;
}

async function startSmtp() {
  const mails: { to: string[]; data: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c) => {
        data += c;
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { server, mails, port };
}

const close = (s: { close(cb: () => void): void }) => new Promise<void>((r) => s.close(() => r()));

describe('outbound delivery', () => {
  let admin: Awaited<ReturnType<typeof actorClient>>;
  beforeAll(async () => {
    admin = await actorClient(env, 'bureau_admin', env.districtId);
  });
  afterAll(async () => {
    // Leave the channels off so other test files queue nothing.
    await admin.http.put('/api/notifications/channels', {
      email: { enabled: false },
      webhook: { enabled: false },
    });
  });

  it('only the bureau admin configures channels; secrets are never echoed', async () => {
    const { town } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    expect((await officer.http.get('/api/notifications/channels')).statusCode).toBe(403);
    const bad = await admin.http.put('/api/notifications/channels', {
      email: { enabled: false },
      webhook: { enabled: true, url: 'ftp://x', secret: 's' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('webhook.url');
    const ok = await admin.http.put('/api/notifications/channels', {
      email: { enabled: false },
      webhook: { enabled: true, url: 'http://127.0.0.1:9/x', secret: 'top-secret' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().webhook).toEqual({ enabled: true, url: 'http://127.0.0.1:9/x', hasSecret: true });
    expect(JSON.stringify(ok.json())).not.toContain('top-secret');
    // Saving again without the secret keeps it.
    const again = await admin.http.put('/api/notifications/channels', {
      email: { enabled: false },
      webhook: { enabled: false, url: 'http://127.0.0.1:9/x' },
    });
    expect(again.json().webhook.hasSecret).toBe(true);
  });

  it('sends exactly one e-mail and one webhook per event and recipient across a crash, a restart and two senders', async () => {
    const secret = 'hook-secret-1';
    const hook = await startWebhook(secret);
    const smtp = await startSmtp();
    try {
      const put = await admin.http.put('/api/notifications/channels', {
        email: { enabled: true, host: '127.0.0.1', port: smtp.port, from: 'tanfang@example.org' },
        webhook: { enabled: true, url: hook.url, secret },
        maxAttempts: 5,
        backoffSeconds: 60,
      });
      expect(put.statusCode).toBe(200);
      const { town } = await buildTown(env);
      const people: Awaited<ReturnType<typeof actorClient>>[] = [];
      for (let i = 0; i < 3; i++) {
        const u = await actorClient(env, 'town_officer', town.id);
        expect(
          (await u.http.put('/api/inbox/settings', { email: `officer${i}.${town.id}@example.org` }))
            .statusCode,
        ).toBe(200);
        people.push(u);
      }
      const events = [`test-deliver-a-${town.id}`, `test-deliver-b-${town.id}`];
      const emit = () =>
        tx((q) =>
          Promise.all(
            events.map((key) =>
              notify(q, {
                recipients: { role: 'town_officer', areaId: town.id },
                kind: 'incident.opened',
                title: `应急事件 ${key}`,
                body: '请尽快确认',
                ref: { entity: 'incident', id: 1 },
                dedupeKey: key,
                now: env.ctx.clock.now(),
              }),
            ),
          ),
        );
      await emit();

      // A run stops after 4 messages (the process is killed mid-queue).
      const first = await deliverDue(env.ctx, { batch: 2, maxRows: 4 });
      expect(first.sent).toBe(4);
      // Another process claims two rows and dies before sending them.
      const orphaned = await tx<unknown[]>((q) =>
        repo.claimDue(q, env.ctx.clock.now(), new Date(env.ctx.clock.now().getTime() + 5 * 60000), 2),
      );
      expect(orphaned).toHaveLength(2);
      // After the restart, two senders run at once; the event is raised again by a retried job.
      await emit();
      const [a, b] = await Promise.all([
        deliverDue(env.ctx, { batch: 1 }),
        deliverDue(env.ctx, { batch: 1 }),
      ]);
      expect(a.sent + b.sent).toBe(6);
      expect(hook.received.length + smtp.mails.length).toBe(10);
      // The dead sender's lease runs out; the scheduled job picks its rows up.
      env.ctx.clock.advance(6 * 60000);
      const last = await runJob(env.ctx, 'notifications.deliver');
      expect(last).toMatchObject({ sent: 2 });
      expect(await deliverDue(env.ctx)).toEqual({ sent: 0, retried: 0, failed: 0 });

      // Exactly one delivery per (event, recipient) on each channel.
      const hookKeys = hook.received.map((h) => h.body.id).sort();
      const expected = events.flatMap((e) => people.map((p) => `${e}:${p.id}`)).sort();
      expect(hookKeys).toEqual(expected);
      expect(hook.received.every((h) => h.signatureOk)).toBe(true);
      expect(hook.received[0].headers['x-tanfang-event']).toBe('incident.opened');
      const mailKeys = smtp.mails.map((m) => `${m.to[0]}|${/^x-tanfang-id:\s*(\S+)/im.exec(m.data)?.[1]}`);
      expect(mailKeys.sort()).toEqual(
        events.flatMap((e) => people.map((p, i) => `officer${i}.${town.id}@example.org|${e}:${p.id}`)).sort(),
      );
      expect(smtp.mails[0].data).toMatch(/^Subject: /m);
      // The inbox got one each as well.
      for (const p of people) expect((await p.http.get('/api/inbox')).json().items).toHaveLength(2);
    } finally {
      await close(hook.server);
      await close(smtp.server);
    }
  });

  it('retries a failing receiver with growing delays, then shows the message as failed', async () => {
    const secret = 'hook-secret-2';
    const hook = await startWebhook(secret, 500);
    try {
      await admin.http.put('/api/notifications/channels', {
        email: { enabled: false },
        webhook: { enabled: true, url: hook.url, secret },
        maxAttempts: 3,
        backoffSeconds: 60,
      });
      const { town } = await buildTown(env);
      const officer = await actorClient(env, 'town_officer', town.id);
      const key = `test-fail-${town.id}`;
      await tx((q) =>
        notify(q, {
          recipients: [officer.id],
          kind: 'concern.overdue',
          title: '整改逾期',
          dedupeKey: key,
          now: env.ctx.clock.now(),
        }),
      );
      const mine = () => hook.received.filter((h) => h.body.id === `${key}:${officer.id}`).length;
      await deliverDue(env.ctx);
      expect(mine()).toBe(1);
      await deliverDue(env.ctx); // not due yet: waits 60 s
      expect(mine()).toBe(1);
      env.ctx.clock.advance(60000);
      await deliverDue(env.ctx);
      expect(mine()).toBe(2);
      env.ctx.clock.advance(60000); // second wait is 120 s
      await deliverDue(env.ctx);
      expect(mine()).toBe(2);
      env.ctx.clock.advance(60000);
      await deliverDue(env.ctx);
      expect(mine()).toBe(3);
      env.ctx.clock.advance(3600000);
      await deliverDue(env.ctx);
      expect(mine()).toBe(3);

      const admin2 = await actorClient(env, 'bureau_admin', env.districtId);
      const list = (await admin2.http.get('/api/notifications/outbox?status=failed')).json();
      const row = list.items.find((i: any) => i.recipient === officer.username);
      expect(row).toMatchObject({ status: 'failed', attempts: 3, lastError: 'Webhook 返回 HTTP 500' });

      // The admin's retry sends it again once the receiver is back.
      hook.status = 200;
      expect((await admin2.http.post(`/api/notifications/outbox/${row.id}/retry`)).statusCode).toBe(204);
      await deliverDue(env.ctx);
      expect(mine()).toBe(4);
      const after = (await admin2.http.get('/api/notifications/outbox?status=sent')).json();
      expect(after.items.some((i: any) => i.id === row.id)).toBe(true);
    } finally {
      await close(hook.server);
    }
  });
});
