import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as api from '../../../shared/api/signals.js';
import { FILENAME_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../shared/signals.js';
import type { Ctx } from '../../context.js';
import { AppError } from '../../http/errors.js';
import { route } from '../../http/route.js';
import { receiveFile, takeImportSlot } from '../../http/uploads.js';
import { importMachineFile, importSignals, SIGNAL_FILE_LIMITS } from './import.js';
import type { AccountRow, SignalRow } from './repo.js';
import * as service from './service.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
/** A batch of 1,000 signals with their details stays well under this. */
const SUBMIT_BODY_LIMIT = 2 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as it arrived (the signature covers these bytes). */
    rawBody?: Buffer;
    serviceAccount?: AccountRow;
  }
}

export function presentAccount(a: AccountRow, now: Date): api.ServiceAccount {
  return {
    id: a.id,
    name: a.name,
    area: { id: a.area_id, name: a.area_name },
    permissions: a.permissions as api.ServiceAccount['permissions'],
    tokenHint: a.token_hint,
    expiresAt: iso(a.expires_at)!,
    revokedAt: iso(a.revoked_at),
    revokeReason: a.revoke_reason,
    lastUsedAt: iso(a.last_used_at),
    createdAt: iso(a.created_at)!,
    createdBy: a.created_by_name,
    state: service.accountState(a, now),
  };
}

export function presentSignal(s: SignalRow): api.Signal {
  return {
    id: Number(s.id),
    key: s.key,
    type: s.type,
    weatherKind: s.subtype,
    source: s.source,
    account: { id: s.account_id, name: s.account_name },
    occurredAt: iso(s.occurred_at)!,
    receivedAt: iso(s.received_at)!,
    idMasked: s.id_masked,
    person: s.person_id ? { id: s.person_id, name: s.person_name ?? '' } : null,
    area: { id: s.area_id, name: s.area_name },
    status: s.status,
    reason: s.reason,
    description: s.description,
    details: s.details ?? {},
    task: s.task_id
      ? {
          id: Number(s.task_id),
          status: s.task_status ?? '',
          dueDate: s.task_due ?? '',
          windowEnd: iso(s.task_end) ?? '',
          visitor: s.task_visitor,
          doneAt: iso(s.task_done_at),
        }
      : null,
    incidentId: s.incident_id,
    campaign: s.campaign_id
      ? {
          id: s.campaign_id,
          name: s.campaign_name ?? '',
          taskCount: s.campaign_tasks ?? 0,
          checks: s.campaign_checks ?? [],
        }
      : null,
    mergedInto: s.merged_into == null ? null : Number(s.merged_into),
    deadlineAt: iso(s.deadline_at),
    reviewedAt: iso(s.reviewed_at),
    reviewedBy: s.reviewed_by_name,
    reviewNote: s.review_note,
    version: s.version,
  };
}

const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The sender's file name (URL-encoded in the header, so 中文 names travel), cut to 200 characters. */
function filenameOf(v: string | undefined): string | null {
  if (!v) return null;
  let name = v;
  try {
    name = decodeURIComponent(v);
  } catch {
    // Not URL-encoded: kept as sent.
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  name = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return name ? name.slice(0, 200) : null;
}

const notAFile = () =>
  new AppError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `请求体应为文件本身（Content-Type: ${api.SIGNAL_FILE_MIME.join('、')}）`,
    'body',
  );

export function signalRoutes(app: FastifyInstance, ctx: Ctx) {
  // The machines' door, in a context of its own: the JSON body is kept as bytes for the signature,
  // and the service account is authenticated before the body is validated (the order every route keeps).
  app.register(async (machine) => {
    machine.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: SUBMIT_BODY_LIMIT },
      (req, body: Buffer, done) => {
        req.rawBody = body;
        try {
          done(null, JSON.parse(body.toString('utf8')));
        } catch {
          done(new AppError(400, 'BAD_JSON', '请求体不是有效的 JSON', 'body'), undefined);
        }
      },
    );
    // A department's file as the body itself (the signature covers its bytes): kept as bytes, up to the
    // officer upload's ceiling; a larger body is refused before it is read whole (413).
    machine.addContentTypeParser(
      [...api.SIGNAL_FILE_MIME],
      { parseAs: 'buffer', bodyLimit: SIGNAL_FILE_LIMITS.bytes },
      (req, body: Buffer, done) => {
        req.rawBody = body;
        done(null, body);
      },
    );
    machine.addHook('preValidation', async (req) => {
      // A file door body no parser of this context kept (text/plain, empty): refused by its type, not
      // as a bad signature over bytes that were never kept.
      if (req.routeOptions.url === api.submitSignalFile.path && !Buffer.isBuffer(req.rawBody))
        throw notAFile();
      req.serviceAccount = await service.authenticateMachine(ctx, {
        authorization: header(req, 'authorization'),
        timestamp: header(req, TIMESTAMP_HEADER),
        signature: header(req, SIGNATURE_HEADER),
        rawBody: req.rawBody ?? Buffer.alloc(0),
      });
    });
    route(
      machine,
      api.submitSignals,
      async ({ req }) => ({ results: await service.submitSignals(ctx, req.serviceAccount!, req.body) }),
      { bodyLimit: SUBMIT_BODY_LIMIT },
    );
    route(
      machine,
      api.submitSignalFile,
      async ({ req }) => {
        if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw notAFile();
        const release = takeImportSlot(ctx);
        try {
          return await importMachineFile(ctx, req.serviceAccount!, {
            content: req.body,
            filename: filenameOf(header(req, FILENAME_HEADER)),
          });
        } finally {
          release();
        }
      },
      { bodyLimit: SIGNAL_FILE_LIMITS.bytes },
    );
  });

  route(app, api.listSignals, async ({ req, actor }) => {
    const r = await service.listSignals(ctx, actor, {
      type: req.query.type,
      status: req.query.status,
      review: req.query.review === '1',
      areaId: req.query.areaId,
      cursor: req.query.cursor,
      limit: req.query.limit,
    });
    return { items: r.items.map(presentSignal), nextCursor: r.nextCursor };
  });
  route(app, api.importSignals, async ({ req, actor }) => {
    const upload = await receiveFile(req, {
      maxBytes: SIGNAL_FILE_LIMITS.bytes,
      to: 'disk',
      tooLarge: `文件超过 ${SIGNAL_FILE_LIMITS.bytes / 1024 / 1024} MB 上限，请拆分后分批上传`,
    });
    try {
      const release = takeImportSlot(ctx);
      try {
        return await importSignals(ctx, actor, {
          accountId: req.query.accountId,
          path: upload.path!,
          filename: upload.filename,
        });
      } finally {
        release();
      }
    } finally {
      await upload.discard();
    }
  });
  route(app, api.signalFigures, async ({ req, actor }) => service.signalFigures(ctx, actor, req.query));
  route(app, api.getSignalRules, async ({ req, actor }) => service.getRules(ctx, actor, req.query.areaId));
  route(app, api.putSignalRule, async ({ req, actor }) => service.putRule(ctx, actor, req.body));
  route(app, api.reviewSignal, async ({ req, actor }) =>
    presentSignal(await service.reviewSignal(ctx, actor, req.params.id, req.body)),
  );

  route(app, api.listServiceAccounts, async ({ actor }) => {
    const now = ctx.clock.now();
    return { items: (await service.listAccounts(ctx, actor)).map((a) => presentAccount(a, now)) };
  });
  route(app, api.createServiceAccount, async ({ req, actor }) => {
    const r = await service.createAccount(ctx, actor, req.body);
    return { account: presentAccount(r.account, ctx.clock.now()), token: r.token, secret: r.secret };
  });
  route(app, api.revokeServiceAccount, async ({ req, actor }) =>
    presentAccount(await service.revokeAccount(ctx, actor, req.params.id, req.body.reason), ctx.clock.now()),
  );
}
