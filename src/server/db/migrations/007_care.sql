-- Caregivers, care agreements, integrity pledges, caregiver reviews, replacement cases and money
-- (DOMAIN.md sections 8–9). ID numbers and phones are encrypted like a person's (*_enc, *_hash, *_masked).

create table caregivers (
  id integer generated always as identity primary key,
  name text not null,
  id_number_enc text not null,
  id_number_hash text not null,
  id_number_masked text not null,
  phone_enc text,
  phone_hash text,
  phone_masked text,
  address text,
  -- The town or village that registered the caregiver: the scope of area roles.
  area_id integer not null references areas(id),
  note text,
  version integer not null default 1,
  created_by integer references users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index caregivers_id_hash_uq on caregivers (id_number_hash);
create index caregivers_area_idx on caregivers (area_id, id);
create index caregivers_name_idx on caregivers (name);

-- Who cared for whom, and when: one row per spell; the open spell has to_date null.
create table caregiver_assignments (
  id integer generated always as identity primary key,
  caregiver_id integer not null references caregivers(id),
  person_id integer not null references persons(id),
  relation text not null,
  from_date date not null,
  to_date date,
  end_reason text,
  created_at timestamptz not null default now()
);
create unique index caregiver_assignments_open_uq on caregiver_assignments (person_id, caregiver_id) where to_date is null;
create index caregiver_assignments_caregiver_idx on caregiver_assignments (caregiver_id, from_date);
create index caregiver_assignments_person_idx on caregiver_assignments (person_id, from_date);

-- Signed scans and other uploads, kept in the database so every server process sees them.
create table care_files (
  id integer generated always as identity primary key,
  agreement_id integer not null,
  kind text not null check (kind in ('agreement', 'pledge')),
  filename text not null,
  mime text not null,
  size integer not null,
  sha256 text not null,
  content bytea not null,
  uploaded_by integer references users(id),
  uploaded_at timestamptz not null default now()
);
create index care_files_agreement_idx on care_files (agreement_id, kind);

-- 委托照料服务协议: town (or village committee), person, caregiver.
create table care_agreements (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  caregiver_id integer not null references caregivers(id),
  relation text not null,
  party_area_id integer not null references areas(id),
  town_id integer not null references areas(id),
  content text not null,
  frequency text not null,
  self_care text not null check (self_care in ('capable', 'partial', 'none')),
  monthly_fee numeric(12, 2) not null check (monthly_fee >= 0),
  start_date date not null,
  end_date date not null,
  signed_on date not null,
  status text not null check (status in ('active', 'expired', 'terminated')),
  terminated_on date,
  termination_reason text,
  pledge_signed_on date,
  pledge_notice_from date,
  pledge_notice_to date,
  replacement_id integer,
  expiry_notified_at timestamptz,
  version integer not null default 1,
  created_by integer references users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (end_date >= start_date),
  check ((status = 'terminated') = (terminated_on is not null))
);
-- One active agreement per person (the service checks first, so users get a clear message).
create unique index care_agreements_one_active_uq on care_agreements (person_id) where status = 'active';
create index care_agreements_person_idx on care_agreements (person_id, start_date);
create index care_agreements_caregiver_idx on care_agreements (caregiver_id);
create index care_agreements_town_idx on care_agreements (town_id, status, end_date);
create index care_agreements_notice_idx on care_agreements (pledge_notice_to) where pledge_notice_to is not null;
alter table care_files add constraint care_files_agreement_fk foreign key (agreement_id) references care_agreements(id);

-- 考核评价 of a caregiver for one person and period.
create table caregiver_reviews (
  id integer generated always as identity primary key,
  agreement_id integer not null references care_agreements(id),
  person_id integer not null references persons(id),
  caregiver_id integer not null references caregivers(id),
  period_from date not null,
  period_to date not null,
  satisfaction integer not null check (satisfaction between 1 and 5),
  neighbour_evaluations jsonb not null default '[]',
  visit_observations jsonb not null default '{}',
  satisfaction_score numeric(5, 1) not null,
  neighbour_score numeric(5, 1),
  visit_score numeric(5, 1),
  score numeric(5, 1) not null,
  passed boolean not null,
  rule jsonb not null,
  note text,
  reviewer_id integer references users(id),
  created_at timestamptz not null default now(),
  check (period_to >= period_from)
);
create unique index caregiver_reviews_period_uq on caregiver_reviews (agreement_id, period_from, period_to);
create index caregiver_reviews_person_idx on caregiver_reviews (person_id, period_to);

-- Replacement of a caregiver after a failed review or a serious infringement: tracked until the new
-- agreement is signed.
create table care_replacements (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  town_id integer not null references areas(id),
  old_agreement_id integer references care_agreements(id),
  old_caregiver_id integer references caregivers(id),
  cause text not null check (cause in ('review_failed', 'serious_infringement', 'manual')),
  review_id integer references caregiver_reviews(id),
  visit_ref text,
  detail text,
  status text not null default 'open' check (status in ('open', 'done', 'cancelled')),
  new_caregiver_id integer references caregivers(id),
  new_agreement_id integer references care_agreements(id),
  legal_referral boolean not null default false,
  legal_note text,
  opened_at timestamptz not null,
  closed_at timestamptz,
  version integer not null default 1
);
create unique index care_replacements_open_uq on care_replacements (person_id) where status = 'open';
create index care_replacements_town_idx on care_replacements (town_id, status);

-- 资金保障: per person, month and kind, the amount due and paid.
create table payments (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  kind text not null check (kind in ('allowance', 'care_fee')),
  amount_due numeric(12, 2) not null check (amount_due >= 0),
  amount_paid numeric(12, 2) not null default 0 check (amount_paid >= 0),
  paid_on date,
  source text not null default 'manual' check (source in ('manual', 'import', 'demo')),
  updated_by integer references users(id),
  version integer not null default 1,
  updated_at timestamptz not null default now()
);
create unique index payments_uq on payments (person_id, month, kind);
create index payments_month_idx on payments (month, person_id);

-- Money problems already raised as concerns, so each is raised once.
create table payment_alerts (
  person_id integer not null references persons(id),
  month text not null,
  reason text not null check (reason in ('not_received', 'nothing_paid')),
  concern_ref text,
  raised_at timestamptz not null,
  primary key (person_id, month)
);
