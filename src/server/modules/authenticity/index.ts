/**
 * Visit authenticity (DOMAIN.md §12): the signals' lookups and rules (the visits module runs them
 * through the registry's `visitAssessor`), the town's review queue, home points and the bureau's
 * spot checks.
 */
export { authenticityAssessor } from './service.js';
