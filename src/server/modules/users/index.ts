export { countUsers, findBureauAdmin, getUser, insertUser, replaceGrants, usernameTaken } from './repo.js';
export { loadManageableUser } from './service.js';
