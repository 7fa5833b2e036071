export { getAssessment, getMetrics, getTrends, resolveSlice } from './service.js';
