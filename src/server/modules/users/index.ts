export { getUser, insertUser, replaceGrants, usernameTaken } from './repo.js';
