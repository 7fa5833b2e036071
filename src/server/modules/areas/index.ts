export { type AreaRow, findAreaByCode, getArea, insertArea, listAreas } from './repo.js';
