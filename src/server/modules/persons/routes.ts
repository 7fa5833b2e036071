import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import * as api from '../../../shared/api/persons.js';
import { UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import { chinaDate } from '../../../shared/china-time.js';
import { ageOn, PERSON_FLAGS } from '../../../shared/person.js';
import { can } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { badRequest, notFound } from '../../http/errors.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import { countImport } from '../../http/throttle.js';
import { receiveFile, takeImportSlot } from '../../http/uploads.js';
import { authorizeFullNumberExport } from '../audit/index.js';
import * as transfers from '../transfers/index.js';
import type { AssessmentRow, AssignmentRow, PersonListRow } from './repo.js';
import { exportRoster, importRoster, rosterTemplate } from './roster.js';
import * as service from './service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Upload limit of a roster file. */
export const IMPORT_MAX_BYTES = UPLOAD_LIMITS.rosterBytes;

const iso = (d: Date | string) => new Date(d).toISOString();

export function presentListItem(p: PersonListRow, today: string): api.PersonListItem {
  const age = ageOn(p.birth_date, today);
  return {
    id: p.id,
    name: p.name,
    idNumberMasked: p.id_number_masked,
    sex: p.sex,
    birthDate: p.birth_date,
    age,
    ethnicity: p.ethnicity,
    phoneMasked: p.phone_masked,
    townId: p.town_id,
    townName: p.town_name,
    villageId: p.village_id,
    villageName: p.village_name,
    status: p.status,
    statusReason: p.status_reason,
    statusSince: p.status_since,
    pausedUntil: p.paused_until,
    endReason: p.end_reason as api.PersonListItem['endReason'],
    selfCare: p.self_care,
    tier: p.tier,
    flags: [...(age >= 80 ? ['aged_80'] : []), ...p.flags],
    visitorId: p.visitor_id,
    visitorName: p.visitor_name,
    version: p.version,
  };
}

const presentAssessment = (a: AssessmentRow): z.output<typeof api.Assessment> => ({
  id: a.id,
  assessedOn: a.assessed_on,
  indicators: a.indicators,
  level: a.level,
  assessorName: a.assessor_name,
  note: a.note,
  createdAt: iso(a.created_at),
});
const presentAssignment = (a: AssignmentRow): z.output<typeof api.Assignment> => ({
  id: a.id,
  visitorId: a.visitor_id,
  visitorName: a.visitor_name,
  kind: a.kind,
  fromAt: iso(a.from_at),
  toAt: a.to_at ? iso(a.to_at) : null,
  actorName: a.actor_name,
});

const attachment = (name: string) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

export function personRoutes(app: FastifyInstance, ctx: Ctx) {
  const today = () => chinaDate(ctx.clock.now());
  const file = async (id: number, actor: Actor): Promise<api.PersonFile> => {
    const f = await service.getPersonFile(ctx, actor, id);
    const p = f.person;
    return {
      ...presentListItem(p, today()),
      registeredAddress: p.registered_address,
      currentAddress: p.current_address,
      latitude: p.latitude,
      longitude: p.longitude,
      supportStart: p.support_start,
      certificateNo: p.certificate_no,
      flagNote: p.flag_note,
      benefitCard: p.benefit_card,
      cardCustodian: p.card_custodian,
      cardCustodianReason: p.card_custodian_reason,
      note: p.note,
      createdAt: iso(p.created_at),
      updatedAt: iso(p.updated_at),
      assessments: f.assessments.map(presentAssessment),
      assignments: f.assignments.map(presentAssignment),
      canWrite: f.canWrite,
      canRevealIdNumber: f.canRevealIdNumber,
    };
  };

  route(app, api.listPersons, async ({ req, actor }) => {
    const { flags, ...rest } = req.query;
    const known = flags.filter((f) => (PERSON_FLAGS as readonly string[]).includes(f));
    const unknown = flags.filter((f) => f !== 'aged_80' && !known.includes(f));
    if (unknown.length) throw badRequest(`未知的标识：${unknown.join('、')}`, 'querystring.flags');
    const rows = await service.listPersons(ctx, actor, {
      ...rest,
      flags: known,
      aged80: flags.includes('aged_80'),
    });
    const t = today();
    return {
      items: rows.map((p) => presentListItem(p, t)),
      nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });

  route(app, api.createPerson, async ({ req, actor }) => {
    const id = await service.createPerson(ctx, actor, req.body);
    return file(id, actor);
  });

  route(app, api.getPerson, async ({ req, actor }) => file(req.params.id, actor));

  route(app, api.updatePerson, async ({ req, actor }) => {
    await service.updatePersonFile(ctx, actor, req.params.id, req.body);
    return file(req.params.id, actor);
  });

  route(app, api.revealPersonSensitive, async ({ req, actor }) =>
    service.revealSensitive(ctx, actor, req.params.id),
  );

  route(app, api.addAssessment, async ({ req, actor }) =>
    service.addAssessment(ctx, actor, { personId: req.params.id, ...req.body }),
  );

  route(app, api.changePersonStatus, async ({ req, actor }) => {
    await service.changePersonStatus(ctx, { actor, personId: req.params.id, ...req.body });
    return file(req.params.id, actor);
  });

  route(app, api.getPersonTimeline, async ({ req, actor }) => {
    const rows = await service.getPersonTimeline(ctx, actor, req.params.id, req.query);
    return {
      items: rows.map((e) => ({
        id: e.id,
        at: iso(e.at),
        kind: e.kind,
        title: e.title,
        detail: e.detail ?? {},
        actorName: e.actor_name,
        refEntity: e.ref_entity,
        refId: e.ref_id,
      })),
    };
  });

  route(app, api.setBackupVisitors, async ({ req, actor }) => {
    await service.setBackupVisitors(ctx, actor, req.params.id, req.body.visitorIds);
    return file(req.params.id, actor);
  });

  route(app, api.reassignPersons, async ({ req, actor }) =>
    service.reassignPersons(ctx, { actor, ...req.body }),
  );

  route(app, api.listVisitors, async ({ req, actor }) => {
    const rows = await service.listVisitors(ctx, actor, req.query);
    return {
      items: rows.map((v) => ({
        id: v.id,
        displayName: v.display_name,
        username: v.username,
        visitorType: v.visitor_type as api.VisitorWorkload['visitorType'],
        organization: v.organization,
        disabled: !!v.disabled_at,
        areas: (v.areas ?? []).map((a) => ({ id: a.id, name: a.name })),
        activePersons: v.active_persons,
        keyPersons: v.key_persons,
        backupPersons: v.backup_persons,
      })),
    };
  });

  route(app, api.importRoster, async ({ req, actor }) => {
    countImport(ctx.config, actor.userId, ctx.clock.now().getTime());
    const upload = await receiveFile(req, {
      maxBytes: IMPORT_MAX_BYTES,
      to: 'disk',
      tooLarge: `文件超过 ${IMPORT_MAX_BYTES / 1024 / 1024} MB 上限，请按镇街拆分后分批导入`,
    });
    const { progressId } = req.query;
    try {
      // Taken once the upload is on disk: a slow sender holds no slot.
      const release = takeImportSlot(ctx);
      try {
        // Progress lives in the database: the page may poll another server process.
        let rowsDone = 0;
        const progress = (done: boolean) =>
          progressId
            ? transfers.setProgress(ctx.db, {
                id: progressId,
                ownerId: actor.userId,
                rows: rowsDone,
                done,
                now: ctx.clock.now(),
              })
            : Promise.resolve();
        await progress(false);
        try {
          return await importRoster(ctx, actor, {
            path: upload.path!,
            dryRun: req.query.dryRun,
            onProgress: async (rows) => {
              rowsDone = rows;
              await progress(false);
            },
          });
        } finally {
          await progress(true);
        }
      } finally {
        release();
      }
    } finally {
      await upload.discard();
    }
  });

  route(app, api.getImportProgress, async ({ req, actor }) => {
    const p = await transfers.getProgress(ctx.db, req.params.progressId, actor.userId);
    return { rows: p?.rows ?? 0, done: p?.done ?? false };
  });

  route(app, api.getImportBadRows, async ({ req, reply, actor }) => {
    const token = req.params.token.replace(/\.xlsx$/, '');
    const f = UUID.test(token) ? await transfers.getFile(ctx.db, token, actor.userId) : null;
    if (!f) throw notFound('文件');
    return reply
      .header('content-type', f.content_type)
      .header('content-disposition', attachment(f.name))
      .send(f.bytes);
  });

  route(app, api.getRosterTemplate, async ({ reply }) =>
    reply
      .header('content-type', XLSX)
      .header('content-disposition', attachment('特困人员花名册模板.xlsx'))
      .send(await rosterTemplate()),
  );

  route(app, api.exportRoster, async ({ req, reply, actor }) => {
    const watermark =
      req.query.reason !== undefined && can(actor.roles, 'persons.sensitive')
        ? await authorizeFullNumberExport(ctx, actor, {
            what: 'persons.roster',
            reason: req.query.reason,
            areaId: req.query.areaId,
            ip: req.ip,
            filter: { areaId: req.query.areaId, includeEnded: req.query.includeEnded },
          })
        : null;
    const out = new PassThrough();
    const done = exportRoster(ctx, actor, req.query, out, watermark).catch((e) => {
      req.log.error({ err: e }, 'roster export failed');
      out.destroy(e);
    });
    reply.header('content-type', XLSX).header('content-disposition', attachment(`花名册-${today()}.xlsx`));
    void done;
    return reply.send(out);
  });
}
