import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DateStr } from '../../../shared/api/dates.js';
import { ImportRejections, UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import { chinaDate } from '../../../shared/china-time.js';
import {
  ageOn,
  BENEFIT_CARD_STATES,
  END_REASONS,
  PERSON_FLAGS,
  PERSON_STATUSES,
  SELF_CARE_INDICATORS,
  SELF_CARE_LEVELS,
  TIERS,
} from '../../../shared/person.js';
import { can, VISITOR_TYPES } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { type actorOf, requirePermission } from '../../http/auth.js';
import { badRequest, notFound } from '../../http/errors.js';
import { countImport } from '../../http/throttle.js';
import { receiveFile, takeImportSlot } from '../../http/uploads.js';
import { authorizeFullNumberExport } from '../audit/index.js';
import * as transfers from '../transfers/index.js';
import type { AssessmentRow, AssignmentRow, PersonListRow } from './repo.js';
import { exportRoster, importRoster, rosterTemplate } from './roster.js';
import * as service from './service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Upload limit of a roster file. */
export const IMPORT_MAX_BYTES = UPLOAD_LIMITS.rosterBytes;

const Id = z.object({ id: z.coerce.number().int().positive() });
const Indicators = z.object(
  Object.fromEntries(SELF_CARE_INDICATORS.map((i) => [i.key, z.boolean()])) as Record<
    (typeof SELF_CARE_INDICATORS)[number]['key'],
    z.ZodBoolean
  >,
);

const PersonListItem = z.object({
  id: z.number(),
  name: z.string(),
  idNumberMasked: z.string(),
  sex: z.enum(['male', 'female']),
  birthDate: z.string(),
  age: z.number(),
  ethnicity: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  townId: z.number(),
  townName: z.string(),
  villageId: z.number(),
  villageName: z.string(),
  status: z.enum(PERSON_STATUSES),
  statusReason: z.string().nullable(),
  statusSince: z.string().nullable(),
  pausedUntil: z.string().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  selfCare: z.enum(SELF_CARE_LEVELS),
  tier: z.enum(TIERS),
  /** Stored flags plus the derived 'aged_80'. */
  flags: z.array(z.string()),
  visitorId: z.number().nullable(),
  visitorName: z.string().nullable(),
  version: z.number(),
});
const Assessment = z.object({
  id: z.number(),
  assessedOn: z.string(),
  indicators: z.record(z.string(), z.boolean()),
  level: z.enum(SELF_CARE_LEVELS),
  assessorName: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
});
const Assignment = z.object({
  id: z.number(),
  visitorId: z.number(),
  visitorName: z.string(),
  kind: z.enum(['responsible', 'backup']),
  fromAt: z.string(),
  toAt: z.string().nullable(),
  actorName: z.string().nullable(),
});
const PersonFile = PersonListItem.extend({
  registeredAddress: z.string().nullable(),
  currentAddress: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  supportStart: z.string(),
  certificateNo: z.string().nullable(),
  flagNote: z.string().nullable(),
  benefitCard: z.enum(BENEFIT_CARD_STATES),
  cardCustodian: z.string().nullable(),
  cardCustodianReason: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  assessments: z.array(Assessment),
  assignments: z.array(Assignment),
  canWrite: z.boolean(),
  canRevealIdNumber: z.boolean(),
});
const TimelineEvent = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  title: z.string(),
  detail: z.record(z.string(), z.unknown()),
  actorName: z.string().nullable(),
  refEntity: z.string().nullable(),
  refId: z.string().nullable(),
});
const Visitor = z.object({
  id: z.number(),
  displayName: z.string(),
  username: z.string(),
  visitorType: z.enum(VISITOR_TYPES).nullable(),
  organization: z.string().nullable(),
  disabled: z.boolean(),
  areas: z.array(z.object({ id: z.number(), name: z.string() })),
  activePersons: z.number(),
  keyPersons: z.number(),
  backupPersons: z.number(),
});
const ImportResult = z
  .object({
    dryRun: z.boolean(),
    total: z.number(),
    created: z.number(),
    updated: z.number(),
  })
  .extend(ImportRejections.shape);

const iso = (d: Date | string) => new Date(d).toISOString();

export function presentListItem(p: PersonListRow, today: string): z.infer<typeof PersonListItem> {
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
    endReason: p.end_reason as z.infer<typeof PersonListItem>['endReason'],
    selfCare: p.self_care,
    tier: p.tier,
    flags: [...(age >= 80 ? ['aged_80'] : []), ...p.flags],
    visitorId: p.visitor_id,
    visitorName: p.visitor_name,
    version: p.version,
  };
}

const presentAssessment = (a: AssessmentRow): z.infer<typeof Assessment> => ({
  id: a.id,
  assessedOn: a.assessed_on,
  indicators: a.indicators,
  level: a.level,
  assessorName: a.assessor_name,
  note: a.note,
  createdAt: iso(a.created_at),
});
const presentAssignment = (a: AssignmentRow): z.infer<typeof Assignment> => ({
  id: a.id,
  visitorId: a.visitor_id,
  visitorName: a.visitor_name,
  kind: a.kind,
  fromAt: iso(a.from_at),
  toAt: a.to_at ? iso(a.to_at) : null,
  actorName: a.actor_name,
});

const PersonBody = z.object({
  name: z.string().trim().min(1).max(50),
  idNumber: z.string().trim().min(1).max(30),
  ethnicity: z.string().trim().max(20).nullable().optional(),
  phone: z.string().trim().max(30).nullable().optional(),
  registeredAddress: z.string().trim().max(200).nullable().optional(),
  currentAddress: z.string().trim().max(200).nullable().optional(),
  villageId: z.number().int(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  supportStart: DateStr,
  certificateNo: z.string().trim().max(50).nullable().optional(),
  selfCare: z.enum(SELF_CARE_LEVELS).optional(),
  indicators: Indicators.optional(),
  assessedOn: DateStr.optional(),
  flags: z.array(z.enum(PERSON_FLAGS)).max(10).optional(),
  flagNote: z.string().trim().max(200).nullable().optional(),
  benefitCard: z.enum(BENEFIT_CARD_STATES).optional(),
  cardCustodian: z.string().trim().max(50).nullable().optional(),
  cardCustodianReason: z.string().trim().max(200).nullable().optional(),
  visitorId: z.number().int().nullable().optional(),
  note: z.string().trim().max(500).nullable().optional(),
  allowSimilar: z.boolean().optional(),
});

export function personRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const today = () => chinaDate(ctx.clock.now());
  const file = async (id: number, actor: ReturnType<typeof actorOf>) => {
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

  r.get(
    '/api/persons',
    {
      schema: {
        tags: ['对象档案'],
        summary: '对象列表（按 id 键集分页：nextCursor 传回 cursor）',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          tier: z.enum(TIERS).optional(),
          status: z.enum(PERSON_STATUSES).optional(),
          unassigned: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => v === 'true'),
          visitorId: z.coerce.number().int().optional(),
          flags: z
            .string()
            .optional()
            .transform((v) => (v ? v.split(',').filter(Boolean) : [])),
          q: z.string().trim().max(50).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ items: z.array(PersonListItem), nextCursor: z.number().nullable() }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.read');
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
    },
  );

  r.post(
    '/api/persons',
    {
      schema: {
        tags: ['对象档案'],
        summary: '新建对象档案（同名同出生日期时返回 409 POSSIBLE_DUPLICATE，确认后带 allowSimilar 重发）',
        body: PersonBody,
        response: { 201: PersonFile },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'persons.write');
      const id = await service.createPerson(ctx, actor, req.body);
      return reply.code(201).send(await file(id, actor));
    },
  );

  r.get(
    '/api/persons/:id',
    { schema: { tags: ['对象档案'], params: Id, response: { 200: PersonFile } } },
    async (req) => file(req.params.id, requirePermission(req, 'persons.read')),
  );

  r.patch(
    '/api/persons/:id',
    {
      schema: {
        tags: ['对象档案'],
        summary: '修改档案（须带 version，过期返回 409）',
        params: Id,
        body: PersonBody.omit({
          selfCare: true,
          indicators: true,
          assessedOn: true,
          visitorId: true,
          allowSimilar: true,
        })
          .partial()
          .extend({ version: z.number().int() }),
        response: { 200: PersonFile },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.write');
      await service.updatePersonFile(ctx, actor, req.params.id, req.body);
      return file(req.params.id, actor);
    },
  );

  r.get(
    '/api/persons/:id/sensitive',
    {
      schema: {
        tags: ['对象档案'],
        summary: '查看完整身份证号码和电话（记入审计日志）',
        params: Id,
        response: { 200: z.object({ idNumber: z.string().nullable(), phone: z.string().nullable() }) },
      },
    },
    async (req) => service.revealSensitive(ctx, requirePermission(req, 'persons.read'), req.params.id),
  );

  r.post(
    '/api/persons/:id/assessments',
    {
      schema: {
        tags: ['对象档案'],
        summary: '生活自理能力评估（六项指标，等级由规则得出）',
        params: Id,
        body: z.object({
          assessedOn: DateStr,
          indicators: Indicators,
          assessorName: z.string().trim().max(50).nullable().optional(),
          note: z.string().trim().max(500).nullable().optional(),
        }),
        response: {
          201: z.object({
            id: z.number(),
            level: z.enum(SELF_CARE_LEVELS),
            tier: z.enum(TIERS),
            current: z.boolean(),
          }),
        },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'persons.write');
      return reply
        .code(201)
        .send(await service.addAssessment(ctx, actor, { personId: req.params.id, ...req.body }));
    },
  );

  r.post(
    '/api/persons/:id/status',
    {
      schema: {
        tags: ['对象档案'],
        summary: '暂停、终止或恢复供养',
        params: Id,
        body: z.object({
          version: z.number().int(),
          status: z.enum(PERSON_STATUSES),
          effectiveOn: DateStr.optional(),
          reason: z.string().trim().max(200).nullable().optional(),
          endReason: z.enum(END_REASONS).optional(),
          until: DateStr.nullable().optional(),
        }),
        response: { 200: PersonFile },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.write');
      await service.changePersonStatus(ctx, { actor, personId: req.params.id, ...req.body });
      return file(req.params.id, actor);
    },
  );

  r.get(
    '/api/persons/:id/timeline',
    {
      schema: {
        tags: ['对象档案'],
        summary: '对象时间线（各模块的事件，新的在前；before 传上一页最后一条的 id）',
        params: Id,
        querystring: z.object({
          before: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(TimelineEvent) }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.read');
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
    },
  );

  r.put(
    '/api/persons/:id/backups',
    {
      schema: {
        tags: ['探访责任人'],
        summary: '设置备用探访人',
        params: Id,
        body: z.object({ visitorIds: z.array(z.number().int()).max(5) }),
        response: { 200: PersonFile },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.write');
      await service.setBackupVisitors(ctx, actor, req.params.id, req.body.visitorIds);
      return file(req.params.id, actor);
    },
  );

  r.post(
    '/api/persons/reassign',
    {
      schema: {
        tags: ['探访责任人'],
        summary: '批量指定或移交探访责任人（选定对象，或某责任人的全部对象）',
        body: z.object({
          personIds: z.array(z.number().int()).max(5000).optional(),
          fromVisitorId: z.number().int().optional(),
          toVisitorId: z.number().int(),
        }),
        response: { 200: z.object({ moved: z.number(), unchanged: z.number() }) },
      },
    },
    async (req) =>
      service.reassignPersons(ctx, { actor: requirePermission(req, 'persons.write'), ...req.body }),
  );

  r.get(
    '/api/visitors',
    {
      schema: {
        tags: ['探访责任人'],
        summary: '探访责任人及其工作量（负责的在册对象数）',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          q: z.string().trim().max(50).optional(),
        }),
        response: { 200: z.object({ items: z.array(Visitor) }) },
      },
    },
    async (req) => {
      const rows = await service.listVisitors(ctx, requirePermission(req, 'persons.read'), req.query);
      return {
        items: rows.map((v) => ({
          id: v.id,
          displayName: v.display_name,
          username: v.username,
          visitorType: v.visitor_type as z.infer<typeof Visitor>['visitorType'],
          organization: v.organization,
          disabled: !!v.disabled_at,
          areas: (v.areas ?? []).map((a) => ({ id: a.id, name: a.name })),
          activePersons: v.active_persons,
          keyPersons: v.key_persons,
          backupPersons: v.backup_persons,
        })),
      };
    },
  );

  r.post(
    '/api/persons/import',
    {
      schema: {
        tags: ['花名册'],
        summary: '导入花名册 .xlsx（multipart 字段 file；dryRun=true 只检查不写入）',
        consumes: ['multipart/form-data'],
        querystring: z.object({
          dryRun: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
          progressId: z.string().uuid().optional(),
        }),
        response: { 200: ImportResult },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.write');
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
    },
  );

  r.get(
    '/api/persons/import/progress/:progressId',
    {
      schema: {
        tags: ['花名册'],
        summary: '导入进度（已处理的数据行数）',
        params: z.object({ progressId: z.string().uuid() }),
        response: { 200: z.object({ rows: z.number(), done: z.boolean() }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'persons.write');
      const p = await transfers.getProgress(ctx.db, req.params.progressId, actor.userId);
      return { rows: p?.rows ?? 0, done: p?.done ?? false };
    },
  );

  r.get(
    '/api/persons/import/bad-rows/:token',
    {
      schema: {
        tags: ['花名册'],
        summary: '下载未导入的行（.xlsx，含原因列）',
        params: z.object({ token: z.string() }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'persons.write');
      const token = req.params.token.replace(/\.xlsx$/, '');
      const file = UUID.test(token) ? await transfers.getFile(ctx.db, token, actor.userId) : null;
      if (!file) throw notFound('文件');
      return reply
        .header('content-type', file.content_type)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .send(file.bytes);
    },
  );

  r.get(
    '/api/persons/import/template.xlsx',
    { schema: { tags: ['花名册'], summary: '花名册模板' } },
    async (req, reply) => {
      requirePermission(req, 'persons.read');
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent('特困人员花名册模板.xlsx')}`,
        )
        .send(await rosterTemplate());
    },
  );

  r.get(
    '/api/persons/export.xlsx',
    {
      schema: {
        tags: ['花名册'],
        summary:
          '导出花名册（号码默认脱敏；有权查看完整号码的角色填写用途 reason 后导出完整号码，文件带水印并记入审计）',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          reason: z.string().max(200).optional(),
          includeEnded: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => v === 'true'),
        }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'persons.export');
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
      reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent(`花名册-${today()}.xlsx`)}`,
        );
      void done;
      return reply.send(out);
    },
  );
}
