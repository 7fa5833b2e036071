-- A password set by someone else (an administrator's reset) must be changed by its user before
-- anything else: the auth hook (http/auth.ts) answers 403 PASSWORD_CHANGE_REQUIRED on every route but
-- the user's own password change, /api/me and logout until then.
alter table users add column must_change_password boolean not null default false;
