export { activitiesOfPerson, getFigures as getOutreachFigures } from './service.js';
