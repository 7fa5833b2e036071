/**
 * Every module's visit-recorded handler (modules/visits/events.ts), registered by importing this file.
 * Each routes file imports its own hook, so the app has them all; code that records visits without the
 * app (the demo seed) imports this list. A new `visit-hook.ts` belongs here too.
 */
import './care/visit-hook.js';
import './concerns/visit-hook.js';
import './incidents/visit-hook.js';
import './money/visit-hook.js';
import './referrals/visit-hook.js';
