import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DateStr } from '../../../shared/api/dates.js';
import { VISIT_METHODS, VISIT_OUTCOMES } from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import {
  daysLeft,
  FREQUENCIES,
  isDueSoon,
  periodLabel,
  VISIT_SETTING_DEFAULTS,
} from '../../../shared/schedule.js';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import { badRequest } from '../../http/errors.js';
import { registerJob } from '../../jobs/runner.js';
import { notify } from '../notifications/service.js';
import { VISIT_BODY_LIMIT } from './files.js';
import './person-listener.js';
import type { TaskRow, VisitRow } from './repo.js';
import { generateTasks, markMissedTasks } from './schedule.js';
import * as service from './service.js';

const Id = z.coerce.number().int().positive();

const Task = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  kind: z.enum(['regular', 'follow_up', 'campaign']),
  period: z.string(),
  periodLabel: z.string(),
  tier: z.enum(['general', 'key']).nullable(),
  windowStart: z.string(),
  windowEnd: z.string(),
  dueDate: z.string(),
  daysLeft: z.number(),
  dueSoon: z.boolean(),
  visitorId: z.number().nullable(),
  visitorName: z.string().nullable(),
  villageName: z.string().nullable(),
  status: z.enum(['open', 'done', 'missed', 'cancelled']),
  statusReason: z.string().nullable(),
  visitId: z.number().nullable(),
  campaignId: z.number().nullable(),
  reason: z.string().nullable(),
});
type TaskOut = z.infer<typeof Task>;

/**
 * Tasks as answered. A page of tasks shares a few periods, windows and due dates, so each label, time
 * and day count is worked out once per distinct value (a page of 50 took ~4 µs a task before).
 */
function presentTasks(rows: TaskRow[], today: string): TaskOut[] {
  const label = once(periodLabel);
  const iso = once((ms: number) => new Date(ms).toISOString());
  const left = once((due: string) => daysLeft(due, today));
  const soon = once((due: string) => isDueSoon(due, today));
  return rows.map((t) => ({
    id: Number(t.id),
    personId: t.person_id,
    personName: t.person_name,
    kind: t.kind,
    period: t.period,
    periodLabel:
      t.kind === 'regular' ? label(t.period) : t.kind === 'campaign' ? (t.reason ?? '专项探访') : '跟进探访',
    tier: t.tier,
    windowStart: iso(t.window_start.getTime()),
    windowEnd: iso(t.window_end.getTime()),
    dueDate: t.due_date,
    daysLeft: left(t.due_date),
    dueSoon: t.status === 'open' && soon(t.due_date),
    visitorId: t.visitor_id,
    visitorName: t.visitor_name,
    villageName: t.village_name,
    status: t.status,
    statusReason: t.status_reason,
    visitId: t.visit_id == null ? null : Number(t.visit_id),
    campaignId: t.campaign_id,
    reason: t.reason,
  }));
}

/** `f` remembered per argument for the life of the returned function. */
function once<A, V>(f: (a: A) => V): (a: A) => V {
  const seen = new Map<A, V>();
  return (a) => {
    if (!seen.has(a)) seen.set(a, f(a));
    return seen.get(a) as V;
  };
}

const TaskPage = z.object({ items: z.array(Task), nextCursor: z.string().nullable() });

const AnswerValue = z.union([
  z.string(),
  z.number(),
  z.array(z.string()),
  z.array(z.object({ code: z.string(), note: z.string() })),
  z.array(z.object({ category: z.string(), note: z.string() })),
  z.null(),
]);
const Answers = z.record(
  z.string(),
  z.record(z.string(), z.object({ value: AnswerValue, note: z.string().optional() })),
);

const Visit = z.object({
  id: z.number(),
  clientId: z.string(),
  personId: z.number(),
  personName: z.string(),
  visitorId: z.number(),
  visitorName: z.string(),
  at: z.string(),
  method: z.enum(VISIT_METHODS),
  outcome: z.enum(VISIT_OUTCOMES),
  qualifying: z.boolean(),
  durationMinutes: z.number().nullable(),
  notes: z.string().nullable(),
  checklistVersion: z.number(),
  answers: z.any().describe('answers[section][item] = { value, note }, see shared/checklist.ts'),
  seasons: z.array(z.string()),
  location: z.object({ latitude: z.number(), longitude: z.number() }).nullable(),
  photos: z.array(z.object({ id: z.number(), url: z.string(), size: z.number() })),
  signatureUrl: z.string().nullable(),
  recordedBy: z.number(),
  recordedAt: z.string(),
  completedTasks: z.array(Task),
});
const VisitBrief = Visit.omit({ answers: true, photos: true, signatureUrl: true, completedTasks: true });

function presentVisitBrief(v: VisitRow): z.infer<typeof VisitBrief> {
  return {
    id: Number(v.id),
    clientId: v.client_id,
    personId: v.person_id,
    personName: v.person_name,
    visitorId: v.visitor_id,
    visitorName: v.visitor_name,
    at: v.at.toISOString(),
    method: v.method,
    outcome: v.outcome,
    qualifying: v.qualifying,
    durationMinutes: v.duration_minutes,
    notes: v.notes,
    checklistVersion: v.checklist_version,
    seasons: v.seasons,
    location:
      v.latitude != null && v.longitude != null ? { latitude: v.latitude, longitude: v.longitude } : null,
    recordedBy: v.recorded_by,
    recordedAt: v.recorded_at.toISOString(),
  };
}

function presentVisit(d: Awaited<ReturnType<typeof service.getVisit>>, today: string): z.infer<typeof Visit> {
  const id = Number(d.visit.id);
  const url = (f: { id: number }) => `/api/visits/${id}/files/${f.id}`;
  const sig = d.files.find((f) => f.kind === 'signature');
  return {
    ...presentVisitBrief(d.visit),
    answers: d.visit.answers,
    photos: d.files
      .filter((f) => f.kind === 'photo')
      .map((f) => ({ id: Number(f.id), url: url(f), size: f.size })),
    signatureUrl: sig ? url(sig) : null,
    completedTasks: presentTasks(d.tasks, today),
  };
}

const RecordBody = z.object({
  clientId: z.uuid('clientId 应为 UUID'),
  personId: z.number().int().positive(),
  at: z.iso
    .datetime({ offset: true, message: '探访时间应为带时区的 ISO 时间' })
    .transform((s) => new Date(s)),
  method: z.enum(VISIT_METHODS),
  outcome: z.enum(VISIT_OUTCOMES),
  durationMinutes: z.number().int().min(0).max(1440).nullish(),
  notes: z.string().max(4000).nullish(),
  answers: Answers.optional(),
  location: z
    .object({
      consent: z.boolean(),
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
    })
    .nullish(),
  photos: z.array(z.object({ data: z.string(), name: z.string().max(200).optional() })).optional(),
  signature: z.object({ data: z.string() }).nullish(),
  visitorId: z.number().int().positive().optional(),
});

const TaskStatus = z.enum(['open', 'done', 'missed', 'cancelled', 'due_soon']);
const Limit = z.coerce.number().int().min(1).max(200).default(50);

const SeasonRange = z.object({
  from: z.string().regex(/^\d{2}-\d{2}$/, '应为 MM-DD'),
  to: z.string().regex(/^\d{2}-\d{2}$/, '应为 MM-DD'),
});
const SETTING_VALUE = {
  'visits.frequency': z.object({ general: z.enum(FREQUENCIES), key: z.enum(FREQUENCIES) }),
  'visits.inPersonEvery': z.number().int().min(0).max(12),
  'visits.followUpHours': z.object({
    critical: z.number().int().min(1).max(168),
    normal: z.number().int().min(1).max(720),
  }),
  'visits.seasons': z.object({ heating: SeasonRange, flood: SeasonRange }),
  'visits.reminderDays': z.number().int().min(0).max(15),
} as const;
const SettingsOut = z.record(
  z.string(),
  z.object({
    value: z.any(),
    source: z.union([z.number(), z.null(), z.literal('default')]),
    sourceName: z.string(),
    own: z.boolean(),
  }),
);

const Campaign = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.string(),
  areaId: z.number(),
  areaName: z.string(),
  selection: z.object({
    tiers: z.array(z.enum(['general', 'key'])).optional(),
    flags: z.array(z.string()).optional(),
    minAge: z.number().optional(),
  }),
  opensAt: z.string(),
  deadline: z.string(),
  note: z.string().nullable(),
  taskCount: z.number(),
  doneCount: z.number(),
  openCount: z.number(),
  version: z.number(),
  closedAt: z.string().nullable(),
  closeReason: z.string().nullable(),
});
const presentCampaign = (c: Awaited<ReturnType<typeof service.openCampaign>>): z.infer<typeof Campaign> => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  areaId: c.area_id,
  areaName: c.area_name,
  selection: c.selection,
  opensAt: c.opens_at.toISOString(),
  deadline: c.deadline,
  note: c.note,
  taskCount: c.task_count,
  doneCount: c.done_count,
  openCount: c.open_count,
  version: c.version,
  closedAt: c.closed_at ? c.closed_at.toISOString() : null,
  closeReason: c.close_reason,
});

export const GENERATE_JOB = 'visits.generate';
export const REMIND_JOB = 'visits.remind';

export function visitRoutes(app: FastifyInstance, ctx: Ctx) {
  registerJob({
    name: GENERATE_JOB,
    everyMinutes: 15,
    run: async (c) => {
      const now = c.clock.now();
      const missed = await c.db.tx((q) => markMissedTasks(q, now));
      const generated = await c.db.tx((q) => generateTasks(q, { now }));
      return { missed, ...generated };
    },
  });
  registerJob({ name: REMIND_JOB, everyMinutes: 60, run: (c) => service.remindDueTasks(c, notify) });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const today = () => chinaDate(ctx.clock.now());

  r.get(
    '/api/visit-tasks',
    {
      schema: {
        tags: ['探访'],
        summary: '探访任务列表（我的任务、镇街和区的列表）',
        querystring: z.object({
          assignee: z.string().max(20).optional().describe('me 或用户编号'),
          areaId: Id.optional(),
          status: TaskStatus.optional(),
          kind: z.enum(['regular', 'follow_up', 'campaign']).optional(),
          from: DateStr.optional(),
          to: DateStr.optional(),
          cursor: z.string().max(200).optional(),
          limit: Limit,
        }),
        response: { 200: TaskPage },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      const page = await service.listTasks(ctx, actor, req.query);
      return { items: presentTasks(page.items, page.today), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/persons/:id/visit-tasks',
    {
      schema: {
        tags: ['探访'],
        summary: '某对象的探访任务历史（新的在前）',
        params: z.object({ id: Id }),
        querystring: z.object({
          status: TaskStatus.optional(),
          cursor: z.string().max(200).optional(),
          limit: Limit,
        }),
        response: { 200: TaskPage },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      const page = await service.listPersonTasks(ctx, actor, req.params.id, req.query);
      return { items: presentTasks(page.items, page.today), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/persons/:id/visits',
    {
      schema: {
        tags: ['探访'],
        summary: '某对象的探访记录（新的在前）',
        params: z.object({ id: Id }),
        querystring: z.object({ cursor: z.string().max(200).optional(), limit: Limit }),
        response: { 200: z.object({ items: z.array(VisitBrief), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      const page = await service.listPersonVisits(ctx, actor, req.params.id, req.query);
      return { items: page.items.map(presentVisitBrief), nextCursor: page.nextCursor };
    },
  );

  r.post(
    '/api/visits',
    {
      bodyLimit: VISIT_BODY_LIMIT,
      schema: {
        tags: ['探访'],
        summary: '记录一次探访（clientId 相同的重复提交只保存一次，返回同一结果）',
        body: RecordBody,
        response: {
          200: Visit.extend({ notice: z.string().nullable() }),
          201: Visit.extend({ notice: z.string().nullable() }),
        },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'visits.record');
      const res = await service.recordVisit(ctx, actor, req.body);
      const d = res.view ?? (await service.getVisit(ctx, actor, res.visitId, false, res.known));
      return reply.code(res.repeated ? 200 : 201).send({ ...presentVisit(d, today()), notice: res.notice });
    },
  );

  r.get(
    '/api/visits/:id',
    {
      schema: {
        tags: ['探访'],
        summary: '一条探访记录',
        params: z.object({ id: Id }),
        response: { 200: Visit },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      return presentVisit(await service.getVisit(ctx, actor, req.params.id), today());
    },
  );

  r.get(
    '/api/visits/:id/files/:fileId',
    {
      schema: { tags: ['探访'], summary: '探访照片或签字图片', params: z.object({ id: Id, fileId: Id }) },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'visits.read');
      const f = await service.getVisitFile(ctx, actor, req.params.id, req.params.fileId);
      return reply
        .header('content-type', f.mime)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(f.content);
    },
  );

  r.get(
    '/api/checklist',
    {
      schema: {
        tags: ['探访'],
        summary: '某日生效的探访检查表（含该对象辖区的季节）',
        querystring: z.object({ at: DateStr.optional(), personId: Id.optional(), areaId: Id.optional() }),
        response: {
          200: z.object({
            date: z.string(),
            seasons: z.object({ heating: z.boolean(), flood: z.boolean() }),
            definition: z.object({
              version: z.number(),
              from: z.string(),
              sections: z.array(
                z.object({
                  key: z.string(),
                  label: z.string(),
                  requiredFor: z.array(z.enum(VISIT_METHODS)).readonly().optional(),
                  items: z.array(
                    z.object({
                      key: z.string(),
                      label: z.string(),
                      type: z.enum(['choice', 'multi', 'number', 'text', 'risks', 'requests']),
                      options: z
                        .array(
                          z.object({ value: z.string(), label: z.string(), bad: z.boolean().optional() }),
                        )
                        .optional(),
                      required: z.boolean().optional(),
                      season: z.enum(['heating', 'flood']).optional(),
                      unit: z.string().optional(),
                      min: z.number().optional(),
                      max: z.number().optional(),
                      badBelow: z.number().optional(),
                      hint: z.string().optional(),
                    }),
                  ),
                }),
              ),
            }),
          }),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      return service.checklistAt(ctx, actor, req.query);
    },
  );

  r.get(
    '/api/visit-settings',
    {
      schema: {
        tags: ['探访'],
        summary: '探访设置（按辖区逐级继承）',
        querystring: z.object({ areaId: Id.optional() }),
        response: { 200: SettingsOut },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      return service.readSettings(ctx, actor, req.query.areaId ?? null);
    },
  );

  r.put(
    '/api/visit-settings',
    {
      schema: {
        tags: ['探访'],
        summary: '设置或清除（value 为 null 时恢复继承）某辖区的一项探访设置',
        body: z.object({
          areaId: z.number().int().positive().nullable(),
          key: z.enum(Object.keys(VISIT_SETTING_DEFAULTS) as [keyof typeof SETTING_VALUE]),
          value: z.unknown(),
        }),
        response: { 200: SettingsOut },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'config.manage');
      let value: unknown = null;
      if (req.body.value != null) {
        const parsed = SETTING_VALUE[req.body.key].safeParse(req.body.value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw badRequest(`设置值无效：${issue.message}`, ['value', ...issue.path].join('.'));
        }
        value = parsed.data;
      }
      return service.writeSetting(ctx, actor, { areaId: req.body.areaId, key: req.body.key, value });
    },
  );

  r.get(
    '/api/visit-campaigns',
    {
      schema: { tags: ['探访'], summary: '专项探访列表', response: { 200: z.array(Campaign) } },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.read');
      return (await service.listCampaigns(ctx, actor)).map(presentCampaign);
    },
  );

  r.post(
    '/api/visit-campaigns',
    {
      schema: {
        tags: ['探访'],
        summary: '开启专项探访（寒潮、暴雪、暴雨、节日等），为选定对象生成任务',
        body: z.object({
          name: z.string().trim().min(1, '请填写名称').max(60),
          kind: z.enum(['cold_wave', 'blizzard', 'rainstorm', 'heat', 'festival', 'other']),
          areaId: z.number().int().positive(),
          deadline: DateStr,
          selection: z
            .object({
              tiers: z
                .array(z.enum(['general', 'key']))
                .max(2)
                .optional(),
              flags: z
                .array(z.enum(['severe_disability', 'mental_illness', 'infectious_disease', 'lives_alone']))
                .optional(),
              minAge: z.number().int().min(0).max(120).optional(),
            })
            .default({}),
          note: z.string().max(1000).optional(),
        }),
        response: { 201: Campaign },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'visits.campaigns');
      return reply.code(201).send(presentCampaign(await service.openCampaign(ctx, actor, req.body)));
    },
  );

  r.patch(
    '/api/visit-campaigns/:id',
    {
      schema: {
        tags: ['探访'],
        summary: '修改专项探访（名称、截止日期、说明；未完成的任务随截止日期调整），须带 version',
        params: z.object({ id: Id }),
        body: z.object({
          version: z.number().int(),
          name: z.string().trim().min(1, '请填写名称').max(60).optional(),
          deadline: DateStr.optional(),
          note: z.string().max(1000).nullable().optional(),
        }),
        response: { 200: Campaign },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.campaigns');
      return presentCampaign(await service.editCampaign(ctx, actor, req.params.id, req.body));
    },
  );

  r.post(
    '/api/visit-campaigns/:id/close',
    {
      schema: {
        tags: ['探访'],
        summary: '结束专项探访：未完成的任务按原因取消，已完成的保留；须带 version',
        params: z.object({ id: Id }),
        body: z.object({
          version: z.number().int(),
          reason: z.string().trim().min(1, '请填写结束原因').max(200),
        }),
        response: { 200: Campaign },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'visits.campaigns');
      return presentCampaign(await service.closeCampaign(ctx, actor, req.params.id, req.body));
    },
  );
}
