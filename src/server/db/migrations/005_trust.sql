-- Trust (issue 9): password history, TOTP second factor, audit log made append-only in the database.

-- The last password hashes of each user: a new password may not repeat any of the last 5.
create table password_history (
  id integer generated always as identity primary key,
  user_id integer not null references users(id) on delete cascade,
  password_hash text not null,
  changed_at timestamptz not null
);
create index password_history_user_idx on password_history (user_id, id desc);

-- TOTP (RFC 6238). The secret is a field like ID numbers: encrypted, re-encrypted by key rotation.
alter table users add column totp_secret_enc text;
alter table users add column totp_enabled_at timestamptz;
-- The last accepted time step: a code is accepted once (no replay inside its 30 s window).
alter table users add column totp_last_step bigint;

-- The second login step: after the password, a short-lived challenge that a TOTP code redeems.
create table login_challenges (
  id text primary key,
  user_id integer not null references users(id) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  attempts integer not null default 0,
  ip text
);
create index login_challenges_user_idx on login_challenges (user_id);

-- Audit search: by time, by action.
create index audit_at_idx on audit_log (at, id);
create index audit_action_idx on audit_log (action, id);

-- The audit log refuses UPDATE, DELETE and TRUNCATE: an edit needs a superuser disabling the trigger,
-- and `tanfang audit verify` still finds it through the hash chain.
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only (% refused)', tg_op using errcode = '42501';
end;
$$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();
