import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/outreach.js';
import { reachRuleText } from '../../../shared/outreach.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import { openActivitiesLedger } from './ledger.js';
import type { ActivityRow, OrganisationRow, ParticipantRow, ReachPerson, RecognitionRow } from './repo.js';
import * as service from './service.js';

const iso = (d: Date | string) => new Date(d).toISOString();

function presentOrganisation(o: OrganisationRow): api.Organisation {
  return {
    id: o.id,
    area: { id: o.area_id, name: o.area_name },
    kind: o.kind,
    name: o.name,
    creditCode: o.credit_code,
    contactName: o.contact_name,
    contactPhone: o.contact_phone,
    services: o.services,
    active: o.active,
    note: o.note,
    activityCount: o.activity_count,
    version: o.version,
    createdAt: iso(o.created_at),
  };
}

function presentActivity(a: ActivityRow): api.Activity {
  return {
    id: a.id,
    area: { id: a.area_id, name: a.area_name },
    type: a.type,
    heldOn: a.held_on,
    place: a.place,
    organisation: a.organisation_id ? { id: a.organisation_id, name: a.organisation_name ?? '' } : null,
    organiserName: a.organiser_name,
    services: a.services,
    summary: a.summary,
    reachRule: a.reach_rule,
    reachRuleText: reachRuleText(a.reach_rule, a.rule_area_name),
    participantCount: a.participant_count,
    version: a.version,
    createdAt: iso(a.created_at),
    createdBy: a.created_by_name,
  };
}

const presentParticipant = (p: ParticipantRow | ReachPerson) => ({
  personId: 'person_id' in p ? p.person_id : p.id,
  name: p.name,
  idNumberMasked: p.id_number_masked,
  town: { id: p.town_id, name: p.town_name },
  village: { id: p.village_id, name: p.village_name },
});

const presentRecognition = (r: RecognitionRow): api.Recognition => ({
  id: r.id,
  caregiverId: r.caregiver_id,
  area: { id: r.area_id, name: r.area_name },
  title: r.title,
  awardedOn: r.awarded_on,
  awardedBy: r.awarded_by,
  note: r.note,
  createdAt: iso(r.created_at),
});

export function outreachRoutes(app: FastifyInstance, ctx: Ctx) {
  const organisation = async (actor: Actor, id: number) =>
    presentOrganisation(await service.getOrganisation(ctx, actor, id));
  const activity = async (actor: Actor, id: number): Promise<api.ActivityDetail> => {
    const d = await service.getActivity(ctx, actor, id);
    return {
      ...presentActivity(d.a),
      participants: d.participants.map(presentParticipant),
      photos: d.photos,
    };
  };

  route(app, api.listOrganisations, async ({ req, actor }) => {
    const { page, pageSize, active, ...f } = req.query;
    const { rows, total } = await service.listOrganisations(ctx, actor, {
      ...f,
      active: active === undefined ? undefined : active === 'true',
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { items: rows.map(presentOrganisation), total };
  });
  route(app, api.createOrganisation, async ({ req, actor }) =>
    organisation(actor, await service.createOrganisation(ctx, actor, req.body)),
  );
  route(app, api.updateOrganisation, async ({ req, actor }) => {
    await service.updateOrganisation(ctx, actor, req.params.id, req.body);
    return organisation(actor, req.params.id);
  });
  route(app, api.deleteOrganisation, async ({ req, actor }) => {
    await service.deleteOrganisation(ctx, actor, req.params.id);
    return undefined;
  });

  route(app, api.listActivities, async ({ req, actor }) => {
    const { page, pageSize, ...f } = req.query;
    const { rows, total } = await service.listActivities(ctx, actor, {
      ...f,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { items: rows.map(presentActivity), total };
  });
  route(app, api.getActivity, async ({ req, actor }) => activity(actor, req.params.id));
  route(app, api.createActivity, async ({ req, actor }) =>
    activity(actor, await service.createActivity(ctx, actor, req.body)),
  );
  route(app, api.updateActivity, async ({ req, actor }) => {
    await service.updateActivity(ctx, actor, req.params.id, req.body);
    return activity(actor, req.params.id);
  });
  route(app, api.deleteActivity, async ({ req, actor }) => {
    await service.deleteActivity(ctx, actor, req.params.id);
    return undefined;
  });
  route(
    app,
    api.uploadActivityPhoto,
    async ({ req, actor }) => {
      await service.addPhoto(ctx, actor, req.params.id, req.body);
      return activity(actor, req.params.id);
    },
    { bodyLimit: api.ACTIVITY_PHOTO_BODY_LIMIT },
  );
  route(app, api.getActivityPhoto, async ({ req, reply, actor }) => {
    const f = await service.getPhoto(ctx, actor, req.params.id, req.params.photoId);
    return reply
      .header('content-type', f.mime)
      .header('cache-control', 'no-store')
      .send(Buffer.from(f.content));
  });
  route(app, api.deleteActivityPhoto, async ({ req, actor }) => {
    await service.deletePhoto(ctx, actor, req.params.id, req.params.photoId);
    return undefined;
  });
  route(app, api.previewReach, async ({ req, actor }) => {
    const rows = await service.previewReach(ctx, actor, req.body);
    return { items: rows.map(presentParticipant), total: rows.length };
  });

  route(app, api.getOutreachFigures, async ({ req, actor }) => service.getFigures(ctx, actor, req.query));
  route(app, api.listOutreachFigureRecords, async ({ req, actor }) => {
    const { rows, total } = await service.getFigureRecords(ctx, actor, req.query);
    return { items: rows, total };
  });
  route(app, api.activitiesLedger, async ({ req, reply, actor }) => {
    const l = await openActivitiesLedger(ctx, actor, req.query, req.ip);
    const out = new PassThrough();
    l.write(out).catch((e) => {
      req.log.error({ err: e }, 'activities ledger failed');
      out.destroy(e);
    });
    return reply
      .header('content-type', api.activitiesLedger.file.mime)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(l.fileName)}`)
      .header('cache-control', 'no-store')
      .send(out);
  });

  route(app, api.listRecognitions, async ({ req, actor }) => ({
    items: (await service.listRecognitions(ctx, actor, req.params.id)).map(presentRecognition),
  }));
  route(app, api.createRecognition, async ({ req, actor }) => {
    const id = await service.createRecognition(ctx, actor, req.params.id, req.body);
    const rows = await service.listRecognitions(ctx, actor, req.params.id);
    return presentRecognition(rows.find((r) => r.id === id)!);
  });
  route(app, api.deleteRecognition, async ({ req, actor }) => {
    await service.deleteRecognition(ctx, actor, req.params.id);
    return undefined;
  });
}
