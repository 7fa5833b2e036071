import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DateStr } from '../../../shared/api/dates.js';
import {
  AGREEMENT_STATUSES,
  CARE_DEFAULTS,
  REPLACEMENT_CAUSES,
  REPLACEMENT_STATUSES,
} from '../../../shared/care.js';
import { chinaDateTime } from '../../../shared/china-time.js';
import { SELF_CARE_LEVELS } from '../../../shared/person.js';
import type { Ctx } from '../../context.js';
import { actorOf } from '../../http/auth.js';
import { badRequest } from '../../http/errors.js';
import { receiveFile } from '../../http/uploads.js';
import { agreementPdf, pledgePdf } from './documents.js';
import type { AgreementRow, CaregiverRow, ReplacementRow, ReviewRow } from './repo.js';
import * as service from './service.js';

const Id = z.object({ id: z.coerce.number().int().positive() });
const Text = (max: number) => z.string().trim().min(1, '不能为空').max(max);

const Caregiver = z.object({
  id: z.number(),
  name: z.string(),
  idNumberMasked: z.string(),
  phoneMasked: z.string().nullable(),
  address: z.string().nullable(),
  areaId: z.number(),
  areaName: z.string(),
  note: z.string().nullable(),
  version: z.number(),
  persons: z.array(
    z.object({ personId: z.number(), personName: z.string(), relation: z.string(), fromDate: z.string() }),
  ),
});
const presentCaregiver = (c: CaregiverRow): z.infer<typeof Caregiver> => ({
  id: c.id,
  name: c.name,
  idNumberMasked: c.id_number_masked,
  phoneMasked: c.phone_masked,
  address: c.address,
  areaId: c.area_id,
  areaName: c.area_name,
  note: c.note,
  version: c.version,
  persons: c.current.map((p) => ({
    personId: p.person_id,
    personName: p.person_name,
    relation: p.relation,
    fromDate: String(p.from_date).slice(0, 10),
  })),
});

const Agreement = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  caregiverId: z.number(),
  caregiverName: z.string(),
  caregiverPhoneMasked: z.string().nullable(),
  relation: z.string(),
  partyAreaId: z.number(),
  partyName: z.string(),
  townId: z.number(),
  townName: z.string(),
  villageName: z.string(),
  content: z.string(),
  frequency: z.string(),
  selfCare: z.enum(SELF_CARE_LEVELS),
  monthlyFee: z.number(),
  startDate: z.string(),
  endDate: z.string(),
  signedOn: z.string(),
  status: z.enum(AGREEMENT_STATUSES),
  terminatedOn: z.string().nullable(),
  terminationReason: z.string().nullable(),
  pledgeSignedOn: z.string().nullable(),
  pledgeNoticeFrom: z.string().nullable(),
  pledgeNoticeTo: z.string().nullable(),
  replacementId: z.number().nullable(),
  expiryNotified: z.boolean(),
  scans: z.array(
    z.object({
      id: z.number(),
      kind: z.enum(['agreement', 'pledge']),
      filename: z.string(),
      size: z.number(),
      uploadedAt: z.string(),
    }),
  ),
  version: z.number(),
});
export const presentAgreement = (a: AgreementRow): z.infer<typeof Agreement> => ({
  id: a.id,
  personId: a.person_id,
  personName: a.person_name,
  caregiverId: a.caregiver_id,
  caregiverName: a.caregiver_name,
  caregiverPhoneMasked: a.caregiver_phone_masked,
  relation: a.relation,
  partyAreaId: a.party_area_id,
  partyName: a.party_name,
  townId: a.town_id,
  townName: a.town_name,
  villageName: a.village_name,
  content: a.content,
  frequency: a.frequency,
  selfCare: a.self_care,
  monthlyFee: a.monthly_fee,
  startDate: a.start_date,
  endDate: a.end_date,
  signedOn: a.signed_on,
  status: a.status,
  terminatedOn: a.terminated_on,
  terminationReason: a.termination_reason,
  pledgeSignedOn: a.pledge_signed_on,
  pledgeNoticeFrom: a.pledge_notice_from,
  pledgeNoticeTo: a.pledge_notice_to,
  replacementId: a.replacement_id,
  expiryNotified: !!a.expiry_notified_at,
  scans: a.scans.map((s) => ({
    id: s.id,
    kind: s.kind,
    filename: s.filename,
    size: s.size,
    uploadedAt: String(s.uploaded_at),
  })),
  version: a.version,
});

const Review = z.object({
  id: z.number(),
  agreementId: z.number(),
  personId: z.number(),
  personName: z.string(),
  caregiverId: z.number(),
  caregiverName: z.string(),
  townName: z.string(),
  periodFrom: z.string(),
  periodTo: z.string(),
  satisfaction: z.number(),
  neighbours: z.array(
    z.object({ name: z.string(), score: z.number(), comment: z.string().nullable().optional() }),
  ),
  visitObservations: z.object({
    visits: z.number(),
    duty: z.object({ yes: z.number(), partly: z.number(), no: z.number() }),
    seriousInfringements: z.number(),
  }),
  satisfactionScore: z.number(),
  neighbourScore: z.number().nullable(),
  visitScore: z.number().nullable(),
  score: z.number(),
  passed: z.boolean(),
  passScore: z.number(),
  note: z.string().nullable(),
  reviewerName: z.string().nullable(),
  createdAt: z.string(),
  replacementId: z.number().nullable(),
});
const presentReview = (r: ReviewRow): z.infer<typeof Review> => ({
  id: r.id,
  agreementId: r.agreement_id,
  personId: r.person_id,
  personName: r.person_name,
  caregiverId: r.caregiver_id,
  caregiverName: r.caregiver_name,
  townName: r.town_name,
  periodFrom: r.period_from,
  periodTo: r.period_to,
  satisfaction: r.satisfaction,
  neighbours: r.neighbour_evaluations,
  visitObservations: r.visit_observations,
  satisfactionScore: r.satisfaction_score,
  neighbourScore: r.neighbour_score,
  visitScore: r.visit_score,
  score: r.score,
  passed: r.passed,
  passScore: Number((r.rule as { passScore?: number })?.passScore ?? 60),
  note: r.note,
  reviewerName: r.reviewer_name,
  createdAt: new Date(r.created_at).toISOString(),
  replacementId: r.replacement_id,
});

const Replacement = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  townName: z.string(),
  oldAgreementId: z.number().nullable(),
  oldAgreementStatus: z.enum(AGREEMENT_STATUSES).nullable(),
  oldCaregiverId: z.number().nullable(),
  oldCaregiverName: z.string().nullable(),
  cause: z.enum(REPLACEMENT_CAUSES),
  reviewId: z.number().nullable(),
  visitRef: z.string().nullable(),
  detail: z.string().nullable(),
  status: z.enum(REPLACEMENT_STATUSES),
  steps: z.object({ terminated: z.boolean(), caregiverChosen: z.boolean(), newAgreementSigned: z.boolean() }),
  newCaregiverId: z.number().nullable(),
  newCaregiverName: z.string().nullable(),
  newAgreementId: z.number().nullable(),
  legalReferral: z.boolean(),
  legalNote: z.string().nullable(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  version: z.number(),
});
const presentReplacement = (r: ReplacementRow): z.infer<typeof Replacement> => ({
  id: r.id,
  personId: r.person_id,
  personName: r.person_name,
  townName: r.town_name,
  oldAgreementId: r.old_agreement_id,
  oldAgreementStatus: r.old_agreement_status as z.infer<typeof Replacement>['oldAgreementStatus'],
  oldCaregiverId: r.old_caregiver_id,
  oldCaregiverName: r.old_caregiver_name,
  cause: r.cause,
  reviewId: r.review_id,
  visitRef: r.visit_ref,
  detail: r.detail,
  status: r.status,
  steps: {
    terminated: r.old_agreement_id === null || r.old_agreement_status !== 'active',
    caregiverChosen: r.new_caregiver_id !== null,
    newAgreementSigned: r.new_agreement_id !== null,
  },
  newCaregiverId: r.new_caregiver_id,
  newCaregiverName: r.new_caregiver_name,
  newAgreementId: r.new_agreement_id,
  legalReferral: r.legal_referral,
  legalNote: r.legal_note,
  openedAt: new Date(r.opened_at).toISOString(),
  closedAt: r.closed_at ? new Date(r.closed_at).toISOString() : null,
  version: r.version,
});

const SettingValue = z.object({
  value: z.unknown(),
  source: z.union([z.number(), z.null(), z.literal('default')]),
});
const MAX_SCAN = 10 * 1024 * 1024;

export function careRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['照料服务'];

  // Caregivers ---------------------------------------------------------------------------------
  r.get(
    '/api/caregivers',
    {
      schema: {
        tags,
        summary: '照料服务人列表',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          q: z.string().max(50).optional(),
          idNumber: z.string().max(30).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(Caregiver), nextCursor: z.number().nullable() }) },
      },
    },
    async (req) => {
      const rows = await service.listCaregivers(ctx, actorOf(req), req.query);
      return {
        items: rows.map(presentCaregiver),
        nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
      };
    },
  );
  r.post(
    '/api/caregivers',
    {
      schema: {
        tags,
        summary: '登记照料服务人（可同时指定所照料的特困人员）',
        body: z.object({
          name: Text(30),
          idNumber: z.string().trim().min(1, '请填写身份证号码').max(30),
          phone: z.string().trim().max(20).nullable().optional(),
          address: z.string().trim().max(200).nullable().optional(),
          areaId: z.number().int().positive(),
          note: z.string().trim().max(500).nullable().optional(),
          personId: z.number().int().positive().optional(),
          relation: z.string().trim().max(20).optional(),
        }),
        response: { 201: Caregiver },
      },
    },
    async (req, reply) =>
      reply.code(201).send(presentCaregiver(await service.createCaregiver(ctx, actorOf(req), req.body))),
  );
  r.get(
    '/api/caregivers/:id',
    {
      schema: {
        tags,
        summary: '照料服务人详情（照料历史、协议）；reveal=true 显示完整证件号与电话（记入审计）',
        params: Id,
        querystring: z.object({ reveal: z.enum(['true', 'false']).optional() }),
        response: {
          200: z.object({
            caregiver: Caregiver,
            history: z.array(
              z.object({
                personId: z.number(),
                personName: z.string(),
                relation: z.string(),
                fromDate: z.string(),
                toDate: z.string().nullable(),
                endReason: z.string().nullable(),
              }),
            ),
            agreements: z.array(Agreement),
            revealed: z.object({ idNumber: z.string(), phone: z.string().nullable() }).optional(),
          }),
        },
      },
    },
    async (req) => {
      const d = await service.getCaregiver(ctx, actorOf(req), req.params.id, {
        reveal: req.query.reveal === 'true',
      });
      return {
        caregiver: presentCaregiver(d.caregiver),
        history: d.history.map((h) => ({
          personId: h.person_id,
          personName: h.person_name,
          relation: h.relation,
          fromDate: h.from_date,
          toDate: h.to_date,
          endReason: h.end_reason,
        })),
        agreements: d.agreements.map(presentAgreement),
        revealed: d.revealed,
      };
    },
  );

  // Agreements ---------------------------------------------------------------------------------
  r.get(
    '/api/care-agreements',
    {
      schema: {
        tags,
        summary: '照料协议列表（expiringWithinDays：生效中且在若干天内到期）',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          status: z.enum(AGREEMENT_STATUSES).optional(),
          expiringWithinDays: z.coerce.number().int().min(0).max(3650).optional(),
          personId: z.coerce.number().int().optional(),
          caregiverId: z.coerce.number().int().optional(),
          q: z.string().max(50).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(Agreement), nextCursor: z.number().nullable() }) },
      },
    },
    async (req) => {
      const rows = await service.listAgreements(ctx, actorOf(req), req.query);
      return {
        items: rows.map(presentAgreement),
        nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
      };
    },
  );
  r.post(
    '/api/care-agreements',
    {
      schema: {
        tags,
        summary: '签订照料协议（月护理费按对象自理等级取本辖区标准）',
        body: z.object({
          personId: z.number().int().positive(),
          caregiverId: z.number().int().positive(),
          relation: Text(20),
          partyLevel: z.enum(['town', 'village']).default('town'),
          content: Text(2000),
          frequency: Text(200),
          startDate: DateStr,
          endDate: DateStr,
          signedOn: DateStr.optional(),
          pledgeSignedOn: DateStr.nullable().optional(),
        }),
        response: { 201: Agreement },
      },
    },
    async (req, reply) =>
      reply.code(201).send(presentAgreement(await service.createAgreement(ctx, actorOf(req), req.body))),
  );
  r.get(
    '/api/care-agreements/needing',
    {
      schema: {
        tags,
        summary: '需要签订照料协议而没有生效协议的特困人员',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                personId: z.number(),
                name: z.string(),
                selfCare: z.enum(SELF_CARE_LEVELS),
                townName: z.string(),
                villageName: z.string(),
                lastAgreementEnd: z.string().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => ({
      items: (await service.personsNeedingAgreement(ctx, actorOf(req), req.query)).map((p) => ({
        personId: p.id,
        name: p.name,
        selfCare: p.self_care,
        townName: p.town_name,
        villageName: p.village_name,
        lastAgreementEnd: p.last_end,
      })),
    }),
  );
  r.get(
    '/api/care-agreements/:id',
    { schema: { tags, params: Id, response: { 200: Agreement } } },
    async (req) => presentAgreement(await service.getAgreement(ctx, actorOf(req), req.params.id)),
  );
  r.post(
    '/api/care-agreements/:id/terminate',
    {
      schema: {
        tags,
        summary: '解除照料协议（startReplacement：同时启动更换照料服务人）',
        params: Id,
        body: z.object({
          version: z.number().int().min(0),
          reason: Text(500),
          terminatedOn: DateStr.optional(),
          startReplacement: z.boolean().optional(),
          legalReferral: z.boolean().optional(),
        }),
        response: { 200: Agreement },
      },
    },
    async (req) =>
      presentAgreement(await service.terminateAgreement(ctx, actorOf(req), req.params.id, req.body)),
  );
  r.post(
    '/api/care-agreements/:id/pledge',
    {
      schema: {
        tags,
        summary: '登记诚信承诺书签订日期（开始公示）',
        params: Id,
        body: z.object({ version: z.number().int().min(0), signedOn: DateStr }),
        response: { 200: Agreement },
      },
    },
    async (req) => presentAgreement(await service.recordPledge(ctx, actorOf(req), req.params.id, req.body)),
  );
  const sendPdf = (name: string) => async (req: FastifyRequest<{ Params: { id: number } }>, reply: any) => {
    const actor = actorOf(req);
    const a = await service.getAgreement(ctx, actor, req.params.id);
    const printed = `${actor.displayName} 打印于 ${chinaDateTime(ctx.clock.now())}`;
    const buf = name === 'agreement' ? await agreementPdf(ctx, a, printed) : await pledgePdf(ctx, a, printed);
    const filename = `${name === 'agreement' ? '委托照料服务协议' : '诚信承诺书'}-${a.person_name}-${a.id}.pdf`;
    return reply
      .type('application/pdf')
      .header(
        'content-disposition',
        `inline; filename="${name}-${a.id}.pdf"; filename*=UTF-8''${encodeURIComponent(filename)}`,
      )
      .header('cache-control', 'no-store')
      .send(buf);
  };
  r.get(
    '/api/care-agreements/:id/agreement.pdf',
    { schema: { tags, summary: '打印委托照料服务协议（PDF）', params: Id } },
    sendPdf('agreement'),
  );
  r.get(
    '/api/care-agreements/:id/pledge.pdf',
    { schema: { tags, summary: '打印诚信承诺书（PDF）', params: Id } },
    sendPdf('pledge'),
  );
  r.post(
    '/api/care-agreements/:id/scans',
    {
      schema: {
        tags,
        summary:
          '上传已签协议或承诺书的扫描件（multipart：字段 kind=agreement|pledge，文件 file；PDF/JPG/PNG，10 MB 以内）',
        params: Id,
        consumes: ['multipart/form-data'],
        response: {
          201: z.object({
            id: z.number(),
            kind: z.enum(['agreement', 'pledge']),
            filename: z.string(),
            size: z.number(),
          }),
        },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const up = await receiveFile(req, { maxBytes: MAX_SCAN, to: 'memory', tooLarge: '文件超过 10 MB' });
      const kind = up.fields.kind;
      if (kind !== 'agreement' && kind !== 'pledge')
        throw badRequest('kind 应为 agreement 或 pledge', 'kind');
      const file = { filename: up.filename, mime: up.mimetype, content: up.content };
      return reply.code(201).send(await service.uploadScan(ctx, actor, req.params.id, { kind, ...file }));
    },
  );
  r.get(
    '/api/care-agreements/:id/scans/:fileId',
    {
      schema: {
        tags,
        summary: '下载扫描件',
        params: z.object({ id: z.coerce.number().int(), fileId: z.coerce.number().int() }),
      },
    },
    async (req, reply) => {
      const f = await service.getScan(ctx, actorOf(req), req.params.id, req.params.fileId);
      return reply
        .type(f.mime)
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(f.filename)}`)
        .header('cache-control', 'no-store')
        .send(f.content);
    },
  );

  // Public pledge notice (no login) ------------------------------------------------------------
  const PublicPledge = z.object({
    caregiverName: z.string(),
    personName: z.string(),
    town: z.string(),
    signedOn: z.string(),
    noticeFrom: z.string(),
    noticeTo: z.string(),
  });
  r.get(
    '/api/public/pledges',
    {
      config: { public: true },
      schema: {
        tags: ['公开'],
        summary: '公示期内的照料服务人诚信承诺（姓名脱敏，仅含镇街与日期）',
        security: [],
        response: { 200: z.object({ items: z.array(PublicPledge) }) },
      },
    },
    async () => ({ items: await service.publicPledges(ctx) }),
  );
  app.get('/public/pledges', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const items = await service.publicPledges(ctx);
    return reply.type('text/html; charset=utf-8').send(publicPledgePage(items));
  });

  // Reviews ------------------------------------------------------------------------------------
  r.get(
    '/api/caregiver-reviews',
    {
      schema: {
        tags,
        summary: '照料服务人考核评价',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          personId: z.coerce.number().int().optional(),
          caregiverId: z.coerce.number().int().optional(),
          passed: z.enum(['true', 'false']).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(Review), nextCursor: z.number().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await service.listReviews(ctx, actorOf(req), {
        ...q,
        passed: q.passed === undefined ? undefined : q.passed === 'true',
      });
      return {
        items: rows.map(presentReview),
        nextCursor: rows.length === q.limit ? rows[rows.length - 1].id : null,
      };
    },
  );
  r.post(
    '/api/caregiver-reviews',
    {
      schema: {
        tags,
        summary: '考核评价照料服务人（默认上一季度）：满意度、邻里评价、探访记录 → 得分与是否合格',
        body: z.object({
          agreementId: z.number().int().positive(),
          periodFrom: DateStr.optional(),
          periodTo: DateStr.optional(),
          satisfaction: z.number().int().min(1, '满意度为 1–5 分').max(5, '满意度为 1–5 分'),
          neighbours: z
            .array(
              z.object({
                name: Text(30),
                score: z.number().int().min(1, '评分为 1–5 分').max(5, '评分为 1–5 分'),
                comment: z.string().trim().max(500).nullable().optional(),
              }),
            )
            .max(50)
            .default([]),
          note: z.string().trim().max(1000).nullable().optional(),
        }),
        response: { 201: Review },
      },
    },
    async (req, reply) =>
      reply.code(201).send(presentReview(await service.createReview(ctx, actorOf(req), req.body))),
  );

  // Replacement cases --------------------------------------------------------------------------
  r.get(
    '/api/care-replacements',
    {
      schema: {
        tags,
        summary: '更换照料服务人事项',
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          status: z.enum(REPLACEMENT_STATUSES).optional(),
          personId: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(Replacement) }) },
      },
    },
    async (req) => ({
      items: (await service.listReplacements(ctx, actorOf(req), req.query)).map(presentReplacement),
    }),
  );
  r.post(
    '/api/care-replacements',
    {
      schema: {
        tags,
        summary: '启动更换照料服务人',
        body: z.object({
          personId: z.number().int().positive(),
          detail: Text(1000),
          legalReferral: z.boolean().optional(),
        }),
        response: { 201: Replacement },
      },
    },
    async (req, reply) =>
      reply.code(201).send(presentReplacement(await service.createReplacement(ctx, actorOf(req), req.body))),
  );
  r.get(
    '/api/care-replacements/:id',
    { schema: { tags, params: Id, response: { 200: Replacement } } },
    async (req) => presentReplacement(await service.getReplacement(ctx, actorOf(req), req.params.id)),
  );
  r.patch(
    '/api/care-replacements/:id',
    {
      schema: {
        tags,
        summary: '更换事项：选定新照料服务人、移交追究法律责任、撤销',
        params: Id,
        body: z.object({
          version: z.number().int().min(0),
          newCaregiverId: z.number().int().positive().nullable().optional(),
          legalReferral: z.boolean().optional(),
          legalNote: z.string().trim().max(1000).nullable().optional(),
          cancel: z.boolean().optional(),
        }),
        response: { 200: Replacement },
      },
    },
    async (req) =>
      presentReplacement(await service.updateReplacement(ctx, actorOf(req), req.params.id, req.body)),
  );

  // Settings -----------------------------------------------------------------------------------
  const Settings = z.record(z.string(), SettingValue);
  r.get(
    '/api/care/settings',
    {
      schema: {
        tags,
        summary: '照料与资金配置（按辖区继承）',
        querystring: z.object({ areaId: z.coerce.number().int().optional() }),
        response: { 200: Settings },
      },
    },
    async (req) => service.getSettings(ctx, actorOf(req), req.query.areaId ?? null),
  );
  const SettingBody = z.discriminatedUnion('key', [
    z.object({
      key: z.literal('care.feeTable'),
      value: z.record(z.string(), z.number().min(0, '护理费不能为负数')).nullable(),
    }),
    z.object({ key: z.literal('care.needingLevels'), value: z.array(z.enum(SELF_CARE_LEVELS)).nullable() }),
    z.object({
      key: z.literal('care.review'),
      value: z
        .object({
          periodMonths: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(6), z.literal(12)]),
          weights: z.object({
            satisfaction: z.number().min(0).max(1),
            neighbours: z.number().min(0).max(1),
            visits: z.number().min(0).max(1),
          }),
          passScore: z.number().min(0).max(100),
        })
        .nullable(),
    }),
    z.object({ key: z.literal('care.pledgeNoticeDays'), value: z.number().int().min(1).max(90).nullable() }),
    z.object({ key: z.literal('care.expiryNoticeDays'), value: z.number().int().min(1).max(180).nullable() }),
    z.object({ key: z.literal('money.allowance'), value: z.number().min(0).max(100000).nullable() }),
    z.object({ key: z.literal('money.unpaidGraceDays'), value: z.number().int().min(0).max(27).nullable() }),
  ]);
  r.put(
    '/api/care/settings',
    {
      schema: {
        tags,
        summary: `修改一项配置（value 为 null 则恢复继承）；可用项：${Object.keys(CARE_DEFAULTS).join('、')}`,
        body: z.object({ areaId: z.number().int().positive().nullable() }).and(SettingBody),
        response: { 200: Settings },
      },
    },
    async (req) => service.putSetting(ctx, actorOf(req), req.body),
  );
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The no-login public notice page: server-rendered, no script. */
function publicPledgePage(items: Awaited<ReturnType<typeof service.publicPledges>>): string {
  const rows = items
    .map(
      (p) =>
        `<tr><td data-label="镇街">${esc(p.town)}</td><td data-label="照料服务人">${esc(p.caregiverName)}</td><td data-label="照料对象">${esc(p.personName)}</td><td data-label="承诺书签订日期">${p.signedOn}</td><td data-label="公示期">${p.noticeFrom} 至 ${p.noticeTo}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>照料服务人诚信承诺公示</title>
<style>body{font-family:system-ui,"Noto Sans SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#222}
main{max-width:900px;margin:0 auto;padding:24px}h1{font-size:22px;margin:8px 0}p{color:#666;font-size:14px}
table{width:100%;border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:8px 10px;text-align:left;font-size:14px}
th{background:#eef3fb}td:empty:after{content:"—"}
@media (max-width:600px){main{padding:12px}h1{font-size:18px;line-height:1.4}
table,tbody,tr,td{display:block;width:auto}thead{display:none}tr{margin-bottom:10px;border:1px solid #ddd;background:#fff}
td{border:0;border-bottom:1px solid #eee;padding:6px 10px;display:flex;gap:12px}td:last-child{border-bottom:0}
td[data-label]:before{content:attr(data-label);color:#555;flex:0 0 7em}}</style></head><body><main>
<h1>东胜区分散供养特困人员照料服务人诚信承诺公示</h1>
<p>根据《东胜区分散供养特困人员定期探访制度》，照料服务人签订的诚信承诺书在公示期内予以公示，接受社会监督。为保护个人信息，姓名仅显示姓氏。</p>
<table><thead><tr><th>镇街</th><th>照料服务人</th><th>照料对象</th><th>承诺书签订日期</th><th>公示期</th></tr></thead>
<tbody>${rows || '<tr><td colspan="5">当前没有公示中的承诺书</td></tr>'}</tbody></table>
<p>如对公示内容有异议，请在公示期内向所在镇（街道）民政办公室反映。</p></main></body></html>`;
}
