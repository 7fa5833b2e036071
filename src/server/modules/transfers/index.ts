/** Files kept for a while for their owner (an import's rejected rows); no routes of its own. */

export * from './bad-rows.js';
export * from './repo.js';
