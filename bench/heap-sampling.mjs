/**
 * Preloaded into a server by bench/visit-alloc.ts (`node --import bench/heap-sampling.mjs …`): the
 * first SIGUSR2 starts the inspector's sampling heap profiler with collected objects included (so
 * it counts what a request allocates, not what it keeps), the second writes the profile to
 * HEAPPROF_OUT.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const s = new Session();
s.connect();
const post = (m, p = {}) => new Promise((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
let on = false;
process.on('SIGUSR2', async () => {
  if (!on) {
    on = true;
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  } else {
    const { profile } = await post('HeapProfiler.stopSampling');
    writeFileSync(process.env.HEAPPROF_OUT, JSON.stringify(profile));
  }
});
