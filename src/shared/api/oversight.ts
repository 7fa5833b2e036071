import { z } from 'zod';
import { ASSESSMENT_COMPONENTS, METRIC_IDS } from '../metrics.js';
import { AREA_LEVELS } from '../roles.js';
import { endpoint } from './contract.js';

const TAGS = ['监督指标'];

const Period = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])(-[12])?$/, '期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2')
  .optional();
const MonthPeriod = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, '考核按月进行：期间格式应为 YYYY-MM')
  .optional();
const SliceQuery = {
  period: Period,
  areaId: z.coerce.number().int().positive().optional(),
  visitorId: z.coerce.number().int().positive().optional(),
};

export const MetricId = z.enum(METRIC_IDS, '未知的指标');
/** One figure: a ratio's value with its two parts, a count, or a median with its number of records. */
export const MetricValue = z.object({
  value: z.number().nullable(),
  numerator: z.number().optional(),
  denominator: z.number().optional(),
});
export const Figures = z.partialRecord(z.enum(METRIC_IDS), MetricValue);
export type Figures = z.output<typeof Figures>;
const Area = z.object({ id: z.number(), name: z.string(), level: z.enum(AREA_LEVELS), kind: z.string() });
const RecordKind = z.enum(['person', 'task', 'visit', 'incident', 'concern', 'agreement', 'review']);
const ComponentId = z.enum(
  ASSESSMENT_COMPONENTS as [(typeof ASSESSMENT_COMPONENTS)[number], ...typeof ASSESSMENT_COMPONENTS],
);
export const Weights = z.partialRecord(ComponentId, z.number());

export const getMetrics = endpoint({
  method: 'GET',
  path: '/api/oversight/metrics',
  operationId: 'getOversightMetrics',
  summary: '某辖区（及各下级辖区或探访责任人）一期的指标',
  description: '分母为 0 的比率为 null；本期未结束时 inProgress 为 true（截至今日的数值）。',
  tags: TAGS,
  permission: 'oversight.read',
  query: z.object({ ...SliceQuery, groupBy: z.enum(['area', 'visitor']).optional() }),
  responses: {
    200: z.object({
      period: z.string(),
      inProgress: z.boolean(),
      area: Area.nullable(),
      visitorId: z.number().nullable(),
      childKind: z.enum(['area', 'visitor']).nullable(),
      childLabel: z
        .string()
        .meta({ description: '下级一栏的名称：探访责任人，或下级辖区的类别（如 镇、街道；苏木、嘎查）' }),
      figures: Figures,
      children: z.array(z.object({ id: z.number().nullable(), name: z.string(), figures: Figures })),
      unavailable: z.array(z.enum(METRIC_IDS)),
      computedAt: z.string(),
    }),
  },
});

export const getTrends = endpoint({
  method: 'GET',
  path: '/api/oversight/trends',
  operationId: 'getOversightTrends',
  summary: '最近若干期（默认 12 期）的指标走势',
  tags: TAGS,
  permission: 'oversight.read',
  query: z.object({ ...SliceQuery, count: z.coerce.number().int().min(2).max(24).optional() }),
  responses: {
    200: z.object({
      frequency: z.enum(['month', 'half_month']),
      periods: z.array(z.object({ period: z.string(), inProgress: z.boolean(), figures: Figures })),
    }),
  },
});

export const RecordItem = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  townName: z.string(),
  villageName: z.string(),
  visitorName: z.string().nullable(),
  status: z.string().nullable(),
  label: z.string().nullable(),
  extra: z.string().nullable(),
  at: z.string().nullable(),
  dueDate: z.string().nullable(),
  detail: z.string().nullable(),
  counted: z.boolean(),
});

export const getMetricRecords = endpoint({
  method: 'GET',
  path: '/api/oversight/metrics/:metric/records',
  operationId: 'getOversightMetricRecords',
  summary: '指标背后的记录（比率指标默认列出分母记录，part=counted 只列分子）',
  tags: TAGS,
  permission: 'oversight.read',
  params: z.object({ metric: MetricId }),
  query: z.object({
    ...SliceQuery,
    part: z.enum(['base', 'counted']).optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  }),
  responses: {
    200: z.object({
      metric: z.enum(METRIC_IDS),
      period: z.string(),
      part: z.enum(['base', 'counted']),
      recordKind: RecordKind,
      total: z.number(),
      nextAfter: z.number().nullable(),
      items: z.array(RecordItem),
    }),
  },
});

const Component = z.object({
  metric: ComponentId,
  weight: z.number(),
  value: z.number().nullable(),
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
  scored: z.number().nullable(),
  basis: z.enum(['own', 'padded', 'district', 'excluded']),
  points: z.number().nullable(),
});

export const getAssessment = endpoint({
  method: 'GET',
  path: '/api/oversight/assessment',
  operationId: 'getAssessment',
  summary: '考核：下级辖区（旗县区的乡镇、市的旗县区）的加权得分排名与各项得分',
  description:
    '某项无记录的镇（街道）按全区该项的值计分，记录不足 5 条的以全区值补足到 5 条（shared/metrics.ts ASSESSMENT_RULE）。',
  tags: TAGS,
  permission: 'oversight.read',
  query: z.object({ period: MonthPeriod, areaId: z.coerce.number().int().positive().optional() }),
  responses: {
    200: z.object({
      period: z.string(),
      inProgress: z.boolean(),
      weights: Weights,
      childLabel: z.string().meta({ description: '被考核的下级辖区的类别，如 镇（街道）、区（旗）' }),
      district: z.partialRecord(ComponentId, MetricValue),
      towns: z.array(
        z.object({
          areaId: z.number().nullable(),
          name: z.string(),
          score: z.number().nullable(),
          rank: z.number(),
          components: z.array(Component),
        }),
      ),
    }),
  },
});

export const getAssessmentWeights = endpoint({
  method: 'GET',
  path: '/api/oversight/assessment/weights',
  operationId: 'getAssessmentWeights',
  summary: '考核权重（某辖区给其下级打分所用；未设置的沿上级继承）',
  tags: TAGS,
  permission: 'oversight.read',
  query: z.object({ areaId: z.coerce.number().int().positive().optional() }),
  responses: { 200: Weights },
});

export const putAssessmentWeights = endpoint({
  method: 'PUT',
  path: '/api/oversight/assessment/weights',
  operationId: 'putAssessmentWeights',
  summary: '修改考核权重（旗县区及以上的民政部门，对其下级）',
  tags: TAGS,
  permission: 'oversight.configure',
  query: z.object({ areaId: z.coerce.number().int().positive().optional() }),
  body: z.partialRecord(
    ComponentId,
    z.number('权重应为数字').min(0, '权重不能为负').max(100, '权重不能超过 100'),
  ),
  responses: { 200: Weights },
  example: {
    coverage: 30,
    onTime: 25,
    inPersonShare: 15,
    incidentAckWithin: 10,
    rectificationOnTime: 10,
    agreementCoverage: 5,
    reviewPassRate: 5,
  },
});
