-- Visit authenticity (issue 29, DOMAIN.md §12): what the phone measured, the signals computed when the
-- visit arrives, the town's review of a flagged visit, the persons' home points and the bureau's spot
-- checks.

-- What the phone measured. opened_at/submitted_at: the phone's clock when the form was opened and saved
-- (the "too short" rule compares the two, never the server's clock with the phone's);
-- location_accuracy: metres (the browser's Geolocation accuracy); photo_meta: per photo
-- { sha256 (of the ORIGINAL bytes, before compression), takenAt (EXIF DateTimeOriginal as ISO),
-- latitude, longitude (EXIF GPS) }; photo_hashes: every hash of this visit's photos (the phone's of the
-- original and the server's of the stored bytes) for the "same photo on two visits" lookup.
alter table visits
  add column opened_at timestamptz,
  add column submitted_at timestamptz,
  add column location_accuracy real,
  add column photo_meta jsonb,
  add column photo_hashes text[],
  -- sha256 of the checklist answers and the notes (canonical form) when they carry free text: the
  -- "copied answers" rules compare hashes, never whole answers. Null: nothing free-typed to compare.
  add column answers_hash text,
  -- The signals (shared/authenticity.ts): [{ rule, reason, evidence }] written by the visit's own
  -- insert statement (no extra statement per visit: the bench's visits/s), null when none tripped.
  add column signals jsonb,
  add column signals_at timestamptz,
  -- The town's review of a flagged visit: pending (flagged, not reviewed) → confirmed / explained /
  -- rejected (the visit stops qualifying). Null: never flagged.
  add column review_state text check (review_state in ('pending', 'confirmed', 'explained', 'rejected')),
  add column review_note text,
  add column reviewed_by integer references users(id),
  add column reviewed_at timestamptz,
  -- Set when rejected: qualifying is then false; the outcome stays what the visitor recorded.
  add column rejected boolean not null default false;

-- The review queue: a town's flagged visits waiting, oldest first (few rows: a partial index).
create index visits_review_pending_idx on visits (town_id, at) where review_state = 'pending';
-- "Same photo on two visits": only visits with photos are in it.
create index visits_photo_hashes_idx on visits using gin (photo_hashes) where photo_hashes is not null;
-- "Identical answers across many persons of one visitor": only visits with free text are in it.
create index visits_answers_hash_idx on visits (visitor_id, answers_hash, at) where answers_hash is not null;

-- The home point of a person: set by an officer, or proposed from the first consented in-person
-- visit and confirmed by the town. Only a confirmed point is the place rule's reference.
create table person_home_points (
  person_id integer primary key references persons(id),
  latitude double precision not null check (latitude between -90 and 90),
  longitude double precision not null check (longitude between -180 and 180),
  source text not null check (source in ('officer', 'visit')),
  source_visit_id bigint references visits(id),
  confirmed boolean not null,
  set_by integer references users(id),
  set_at timestamptz not null,
  version integer not null default 1
);
-- Every point a person ever had (the row as it was replaced, and each new one).
create table person_home_point_history (
  id bigint generated always as identity primary key,
  person_id integer not null references persons(id),
  latitude double precision not null,
  longitude double precision not null,
  source text not null,
  source_visit_id bigint,
  confirmed boolean not null,
  set_by integer references users(id),
  set_at timestamptz not null,
  note text
);
create index person_home_point_history_person_idx on person_home_point_history (person_id, id);

-- Bureau spot checks (回访抽查): one draw per town and month, reproducible from its recorded seed.
create table spot_check_draws (
  id integer generated always as identity primary key,
  town_id integer not null references areas(id),
  month text not null check (month ~ '^\d{4}-\d{2}$'),
  seed text not null,
  rate real not null,
  minimum integer not null,
  flagged_weight real not null,
  population integer not null,
  drawn_by integer not null references users(id),
  drawn_at timestamptz not null
);
create unique index spot_check_draws_town_month_uq on spot_check_draws (town_id, month);

create table spot_checks (
  id integer generated always as identity primary key,
  draw_id integer not null references spot_check_draws(id),
  visit_id bigint not null references visits(id),
  town_id integer not null references areas(id),
  assigned_to integer references users(id),
  result text check (result in ('confirmed', 'not_confirmed', 'unreachable')),
  note text,
  checked_by integer references users(id),
  checked_at timestamptz,
  concern_id integer,
  version integer not null default 1
);
create unique index spot_checks_draw_visit_uq on spot_checks (draw_id, visit_id);
create index spot_checks_town_idx on spot_checks (town_id, id);
create index spot_checks_visit_idx on spot_checks (visit_id);
