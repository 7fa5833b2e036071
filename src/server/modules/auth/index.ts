export { generatePassword, hashPassword, verifyPassword } from './password.js';
export { findUserById, findUsersForLogin, revokeOtherSessions, revokeUserSessions, setTotp } from './repo.js';
export { authenticate, REQUIRE_TOTP_ADMIN } from './service.js';
export { generateTotpSecret, otpauthUri, verifyTotp } from './totp.js';
