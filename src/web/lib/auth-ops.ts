import type * as auth from '../../shared/api/auth';
import type { OperationOf } from '../../shared/api/contract';

/**
 * The login's endpoints without their schemas, for the console's first chunk (main.tsx, the login
 * page), which loads no zod: typed by the contract (src/shared/api/auth.ts), so a path or method that
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
