import type * as auth from '../../shared/api/auth';
import type { OperationOf } from '../../shared/api/contract';
import type * as users from '../../shared/api/users';

/**
 * The sign-in endpoints without their schemas — login, logout, /api/me, the own password change — for
 * the console's first chunk (main.tsx, the login page) and frame, and for the phone, none of which
 * loads zod: typed by the contract (src/shared/api/auth.ts), so a path or method that
 * drifts from it does not compile. Call them with `call<typeof auth.login>(LOGIN, …)`.
 */
export const LOGIN: OperationOf<typeof auth.login> = {
  method: 'POST',
  path: '/api/auth/login',
  operationId: 'login',
};
export const LOGIN_TOTP: OperationOf<typeof auth.loginTotp> = {
  method: 'POST',
  path: '/api/auth/totp',
  operationId: 'loginTotp',
};
export const GET_ME: OperationOf<typeof auth.getMe> = {
  method: 'GET',
  path: '/api/me',
  operationId: 'getMe',
};
export const LOGOUT: OperationOf<typeof auth.logout> = {
  method: 'POST',
  path: '/api/auth/logout',
  operationId: 'logout',
};
export const CHANGE_OWN_PASSWORD: OperationOf<typeof users.changeOwnPassword> = {
  method: 'POST',
  path: '/api/me/password',
  operationId: 'changeOwnPassword',
};
