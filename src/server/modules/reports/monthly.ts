import { aboveTown } from '../../../shared/areas.js';
import { chinaDateTime } from '../../../shared/china-time.js';
import {
  ASSESSMENT_RULE,
  compareWorstFirst,
  FIGURE_RULES,
  figureState,
  formatMetric,
  METRICS,
  type MetricId,
  type MetricValue,
  OUTREACH_METRICS,
} from '../../../shared/metrics.js';
import { periodLabel } from '../../../shared/schedule.js';
import type { Ctx } from '../../context.js';
import { badRequest, notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { createPdf } from '../../pdf/document.js';
import { appendAudit } from '../audit/index.js';
import { keepFile } from '../files/index.js';
import { getOutreachFigures } from '../outreach/index.js';
import { getAssessment, getMetrics, getTrends } from '../oversight/index.js';
import { type Box, horizontalBars, lineChart } from './charts.js';
import * as repo from './repo.js';

/** Figures of the report's area table, in this order. */
const TABLE: MetricId[] = [
  'activePersons',
  'coverage',
  'onTime',
  'inPersonShare',
  'missed',
  'dueSoon',
  'incidentsOpen',
  'rectificationOverdue',
  'agreementCoverage',
];

const v = (figs: Partial<Record<MetricId, MetricValue>>, m: MetricId) => figs[m]?.value ?? null;

/**
 * Builds the monthly report PDF of an area (the district by default): headline figures, all child
 * areas side by side (worst coverage first) as a chart and a table, the 12-month trend, the town
 * assessment and the definitions. It is stored, so the same file can be downloaded again.
 */
/**
 * The monthly report PDF of an area. `keep`: stored (listed, downloadable again unchanged) and
 * audited — the POST route; a GET only shows it and changes nothing.
 */
export async function generateMonthlyReport(
  ctx: Ctx,
  actor: Actor,
  f: { period?: string; areaId?: number },
  opts: { keep: boolean } = { keep: true },
): Promise<{ id: number | null; filename: string; content: Buffer }> {
  const period = f.period;
  if (!period || !/^\d{4}-(0[1-9]|1[0-2])$/.test(period))
    throw badRequest('月报期间格式应为 YYYY-MM', 'period');
  const m = await getMetrics(ctx, actor, { period, areaId: f.areaId });
  if (!m.area) throw notFound('辖区');
  const trends = await getTrends(ctx, actor, { period, areaId: m.area.id });
  const assessment = aboveTown(m.area.level)
    ? await getAssessment(ctx, actor, { period, areaId: m.area.id })
    : null;
  const now = ctx.clock.now();
  const shown = TABLE.filter((id) => !m.unavailable.includes(id));
  const title = `${m.area.name}特困人员探访工作月报`;
  const pdf = createPdf({
    title,
    watermark: `${actor.displayName} 于 ${chinaDateTime(now)} 生成`,
    footer: `${m.area.name} · ${periodLabel(period)}`,
  });
  pdf.title(
    title,
    `${periodLabel(period)}${m.inProgress ? '（本月进行中）' : ''}（数据截至 ${chinaDateTime(now)}）`,
  );

  pdf.heading('一、总体情况');
  pdf.keyValues(
    (Object.keys(METRICS) as MetricId[])
      .filter((id) => !m.unavailable.includes(id))
      .map((id) => {
        const val = m.figures[id];
        const parts =
          METRICS[id].unit === 'ratio' && val?.denominator != null && figureState(id, val) === 'ok'
            ? `（${val.numerator}/${val.denominator}）`
            : '';
        return [METRICS[id].label, `${formatMetric(id, val)}${parts}`] as [string, string];
      }),
  );

  const childWord = m.childLabel;
  const children = [...m.children].sort(
    (a, b) =>
      compareWorstFirst('coverage', a.figures.coverage, b.figures.coverage) ||
      a.name.localeCompare(b.name, 'zh'),
  );
  const section2 = `二、各${childWord}情况（按探访覆盖率由低到高）`;
  if (!children.length) pdf.heading(section2);
  if (children.length) {
    const chartRows = children.slice(0, 24);
    const chart = (heading: string | undefined) => (doc: PDFKit.PDFDocument, box: Box) =>
      horizontalBars(doc, box, {
        heading,
        title: `探访覆盖率与按时率（${periodLabel(period)}）`,
        labels: chartRows.map((c) => c.name),
        series: [
          { name: METRICS.coverage.label, values: chartRows.map((c) => v(c.figures, 'coverage')) },
          { name: METRICS.onTime.label, values: chartRows.map((c) => v(c.figures, 'onTime')) },
        ],
      });
    const table = () =>
      pdf.table(
        [
          { title: childWord, width: 2 },
          ...shown.map((id) => ({ title: METRICS[id].label, width: 1, align: 'right' as const })),
        ],
        children.map((c) => [c.name, ...shown.map((id) => formatMetric(id, c.figures[id]))]),
      );
    // 22 points a bar row, down to 12 where that keeps the chart on the page it starts (with its
    // heading, 30 more). Where even that does not fit, the table comes first and fills the page —
    // a full-height chart of 24 towns used to leave two thirds of the first page blank.
    const ideal = 110 + chartRows.length * 22;
    const least = 110 + chartRows.length * 12;
    const left = Math.floor(pdf.spaceLeft());
    if (left >= least) {
      pdf.figure(Math.max(180, Math.min(ideal, left)), chart(section2));
      table();
    } else {
      pdf.heading(section2);
      table();
      const after = Math.floor(pdf.spaceLeft());
      pdf.figure(Math.max(150, after >= least - 30 ? Math.min(ideal, after) : ideal) - 30, chart(undefined));
    }
  } else {
    pdf.paragraph(`本辖区下没有${childWord}数据。`);
  }

  const labels = trends.periods.map(
    (p) => `${Number(p.period.slice(5, 7))}月${p.inProgress ? '（进行中）' : ''}`,
  );
  pdf.figure(220, (doc, box) =>
    lineChart(doc, box, {
      heading: '三、近 12 个月走势',
      title: `${m.area!.name}：探访覆盖率、按时率与上门率`,
      labels,
      series: (['coverage', 'onTime', 'inPersonShare'] as MetricId[]).map((id) => ({
        name: METRICS[id].label,
        // A small sample is not drawn (one task of a month barely started would draw a 0 %).
        values: trends.periods.map((p) =>
          figureState(id, p.figures[id]) === 'ok' ? v(p.figures, id) : null,
        ),
      })),
    }),
  );

  // Sections after the trend are numbered in order (四, 五, 六…).
  const numerals = ['四', '五', '六', '七', '八'];
  let next = 0;
  const heading = (text: string) => pdf.heading(`${numerals[next++]}、${text}`);

  // Visit authenticity (DOMAIN.md §12): flags, the towns' review backlog, the bureau's spot checks.
  const AUTH: MetricId[] = (['flaggedShare', 'reviewBacklog', 'spotCheckConfirmed'] as MetricId[]).filter(
    (id) => !m.unavailable.includes(id),
  );
  if (AUTH.length) {
    heading('真实性核查与回访抽查');
    pdf.table(
      [
        { title: childWord, width: 2 },
        ...AUTH.map((id) => ({ title: METRICS[id].label, width: 1.2, align: 'right' as const })),
      ],
      [
        ...children.map((c) => [c.name, ...AUTH.map((id) => formatMetric(id, c.figures[id]))]),
        [`合计（${m.area.name}）`, ...AUTH.map((id) => formatMetric(id, m.figures[id]))],
      ],
    );
    pdf.paragraph(
      '疑点不是结论：有疑点的探访在镇街核查为“不予认定”之前照常计入；回访抽查每月按镇街随机抽取（有疑点的加权），种子留存可复核。',
      { size: 9, color: '#666666', indent: false },
    );
  }

  if (assessment) {
    heading(`${childWord}考核排名`);
    const comps = assessment.towns[0]?.components.map((c) => c.metric as MetricId) ?? [];
    pdf.table(
      [
        { title: '名次', width: 0.6, align: 'center' },
        { title: childWord, width: 2 },
        { title: '得分', width: 0.8, align: 'right' },
        ...comps.map((id) => ({
          title: `${METRICS[id].label}（权重 ${assessment.weights[id] ?? 0}）`,
          width: 1.1,
          align: 'right' as const,
        })),
      ],
      assessment.towns.map((t) => [
        t.rank,
        t.name,
        t.score == null ? '—' : t.score.toFixed(1),
        ...t.components.map((c) =>
          formatMetric(c.metric, {
            value: c.value,
            numerator: c.numerator ?? undefined,
            denominator: c.denominator ?? undefined,
          }),
        ),
      ]),
    );
    pdf.paragraph(`${assessment.inProgress ? '本月尚未结束，排名为暂评。' : ''}${ASSESSMENT_RULE}`, {
      size: 9,
      color: '#666666',
      indent: false,
    });
  }

  // Outreach of the month (policy 六（五）): activities and persons reached beside 政策知晓率 of visits.
  const outreach = await getOutreachFigures(ctx, actor, { period, areaId: m.area.id });
  heading('关爱活动与政策宣传');
  pdf.table(
    [
      { title: '辖区', width: 2 },
      { title: OUTREACH_METRICS.outreachActivities.label, width: 1, align: 'right' },
      { title: OUTREACH_METRICS.outreachPersonsReached.label, width: 1.2, align: 'right' },
      { title: `${METRICS.policyAwareness.label}（探访）`, width: 1.4, align: 'right' },
    ],
    [{ name: `${outreach.area.name}（合计）`, figures: outreach.figures }, ...outreach.children].map((r) => [
      r.name,
      r.figures.activities,
      r.figures.personsReached,
      formatMetric('policyAwareness', r.figures.policyAwareness),
    ]),
  );

  heading('指标口径');
  pdf.table(
    [
      { title: '指标', width: 1.2 },
      { title: '口径', width: 4 },
    ],
    (Object.keys(METRICS) as MetricId[])
      .filter((id) => !m.unavailable.includes(id))
      .map((id) => [METRICS[id].label, METRICS[id].definition])
      .concat(Object.values(OUTREACH_METRICS).map((d) => [d.label, d.definition])),
  );
  pdf.paragraph(`${FIGURE_RULES.none}；${FIGURE_RULES.small}；${FIGURE_RULES.inProgress}。`, {
    size: 9,
    color: '#666666',
    indent: false,
  });
  if (m.unavailable.length) {
    pdf.paragraph(`本系统尚未启用的指标：${m.unavailable.map((id) => METRICS[id].label).join('、')}。`, {
      size: 9,
      color: '#666666',
      indent: false,
    });
  }
  const content = await pdf.toBuffer();
  const filename = `${m.area.name}-${periodLabel(period)}探访工作月报.pdf`;
  if (!opts.keep) return { id: null, filename, content };
  // In the store (when there is one) before the transaction that names it (modules/files).
  const file = await keepFile(ctx, content);
  const id = await ctx.db.tx(async (q) => {
    const id = await repo.insertReport(q, {
      period,
      areaId: m.area!.id,
      filename,
      file,
      createdBy: actor.userId,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'report.generate',
      entity: 'oversight_report',
      entityId: id,
      areaId: m.area!.id,
      detail: { period, size: content.length },
    });
    return id;
  });
  return { id, filename, content };
}
