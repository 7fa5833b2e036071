import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/care.js';
import type { Ctx } from '../../context.js';
import { badRequest } from '../../http/errors.js';
import { route } from '../../http/route.js';
import { receiveFile } from '../../http/uploads.js';
import type { AgreementRow, CaregiverRow, ReplacementRow, ReviewRow } from './repo.js';
import * as service from './service.js';

const presentCaregiver = (c: CaregiverRow): api.Caregiver => ({
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

export const presentAgreement = (a: AgreementRow): api.Agreement => ({
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

const presentReview = (r: ReviewRow): api.Review => ({
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

const presentReplacement = (r: ReplacementRow): api.Replacement => ({
  id: r.id,
  personId: r.person_id,
  personName: r.person_name,
  townName: r.town_name,
  oldAgreementId: r.old_agreement_id,
  oldAgreementStatus: r.old_agreement_status as api.Replacement['oldAgreementStatus'],
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

export function careRoutes(app: FastifyInstance, ctx: Ctx) {
  // Caregivers ---------------------------------------------------------------------------------
  route(app, api.listCaregivers, async ({ req, actor }) => {
    const rows = await service.listCaregivers(ctx, actor, req.query);
    return {
      items: rows.map(presentCaregiver),
      nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });
  route(app, api.createCaregiver, async ({ req, actor }) =>
    presentCaregiver(await service.createCaregiver(ctx, actor, req.body)),
  );
  route(app, api.getCaregiver, async ({ req, actor }) => {
    const d = await service.getCaregiver(ctx, actor, req.params.id, { reveal: req.query.reveal === 'true' });
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
  });

  // Agreements ---------------------------------------------------------------------------------
  route(app, api.listAgreements, async ({ req, actor }) => {
    const rows = await service.listAgreements(ctx, actor, req.query);
    return {
      items: rows.map(presentAgreement),
      nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });
  route(app, api.createAgreement, async ({ req, actor }) =>
    presentAgreement(await service.createAgreement(ctx, actor, req.body)),
  );
  route(app, api.listNeedingAgreement, async ({ req, actor }) => ({
    items: (await service.personsNeedingAgreement(ctx, actor, req.query)).map((p) => ({
      personId: p.id,
      name: p.name,
      selfCare: p.self_care,
      townName: p.town_name,
      villageName: p.village_name,
      lastAgreementEnd: p.last_end,
    })),
  }));
  route(app, api.getAgreement, async ({ req, actor }) =>
    presentAgreement(await service.getAgreement(ctx, actor, req.params.id)),
  );
  route(app, api.terminateAgreement, async ({ req, actor }) =>
    presentAgreement(await service.terminateAgreement(ctx, actor, req.params.id, req.body)),
  );
  route(app, api.recordPledge, async ({ req, actor }) =>
    presentAgreement(await service.recordPledge(ctx, actor, req.params.id, req.body)),
  );
  for (const [e, name] of [
    [api.printAgreement, 'agreement'],
    [api.printPledge, 'pledge'],
  ] as const)
    route(app, e, async ({ req, reply, actor }) => {
      const { buf, filename, fallback } = await service.agreementDocument(ctx, actor, req.params.id, name, {
        reason: req.query.reason,
        ip: req.ip,
      });
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `inline; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
        )
        .header('cache-control', 'no-store')
        .send(buf);
    });
  route(app, api.uploadScan, async ({ req, actor }) => {
    const up = await receiveFile(req, {
      maxBytes: api.CARE_LIMITS.scanBytes,
      to: 'memory',
      tooLarge: `文件超过 ${api.CARE_LIMITS.scanBytes / 1024 / 1024} MB`,
    });
    const kind = up.fields.kind;
    if (kind !== 'agreement' && kind !== 'pledge') throw badRequest('kind 应为 agreement 或 pledge', 'kind');
    const file = { filename: up.filename, mime: up.mimetype, content: up.content };
    return service.uploadScan(ctx, actor, req.params.id, { kind, ...file });
  });
  route(app, api.getScan, async ({ req, reply, actor }) => {
    const f = await service.getScan(ctx, actor, req.params.id, req.params.fileId);
    return reply
      .type(f.mime)
      .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(f.filename)}`)
      .header('cache-control', 'no-store')
      .send(f.content);
  });

  // Public pledge notice (no login) ------------------------------------------------------------
  route(app, api.listPublicPledges, async () => ({ items: await service.publicPledges(ctx) }));
  app.get('/public/pledges', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const items = await service.publicPledges(ctx);
    return reply.type('text/html; charset=utf-8').send(publicPledgePage(items));
  });

  // Reviews ------------------------------------------------------------------------------------
  route(app, api.listReviews, async ({ req, actor }) => {
    const q = req.query;
    const rows = await service.listReviews(ctx, actor, {
      ...q,
      passed: q.passed === undefined ? undefined : q.passed === 'true',
    });
    return {
      items: rows.map(presentReview),
      nextCursor: rows.length === q.limit ? rows[rows.length - 1].id : null,
    };
  });
  route(app, api.createReview, async ({ req, actor }) =>
    presentReview(await service.createReview(ctx, actor, req.body)),
  );

  // Replacement cases --------------------------------------------------------------------------
  route(app, api.listReplacements, async ({ req, actor }) => ({
    items: (await service.listReplacements(ctx, actor, req.query)).map(presentReplacement),
  }));
  route(app, api.createReplacement, async ({ req, actor }) =>
    presentReplacement(await service.createReplacement(ctx, actor, req.body)),
  );
  route(app, api.getReplacement, async ({ req, actor }) =>
    presentReplacement(await service.getReplacement(ctx, actor, req.params.id)),
  );
  route(app, api.updateReplacement, async ({ req, actor }) =>
    presentReplacement(await service.updateReplacement(ctx, actor, req.params.id, req.body)),
  );

  // Settings -----------------------------------------------------------------------------------
  route(app, api.getCareSettings, async ({ req, actor }) =>
    service.getSettings(ctx, actor, req.query.areaId ?? null),
  );
  route(app, api.putCareSetting, async ({ req, actor }) => service.putSetting(ctx, actor, req.body));
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
