/*
 * Service worker of the visitor app (/m/). Hand-written on purpose: it only keeps the app shell
 * (visitor.html, its hashed JS/CSS, the manifest and icons) so the app starts with no network.
 * Data never goes through it: the offline bundle and the queue of visits live in IndexedDB, written
 * and wiped by the app itself (logout clears them), and /api requests pass straight through.
 */
const CACHE = 'tanfang-visitor-shell-v1';
const SHELL = '/m/';
const STATIC = ['/m/manifest.webmanifest', '/m/icon-192.png', '/m/icon-512.png'];

/** Fetches the shell page and caches it with every /assets/ file it references. */
async function cacheShell(cache, response) {
  const html = await response.clone().text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await Promise.all(
    assets.map(async (a) => {
      if (await cache.match(a)) return;
      const r = await fetch(a);
      if (r.ok) await cache.put(a, r);
    }),
  );
  await cache.put(SHELL, response);
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const res = await fetch(SHELL, { cache: 'no-store' });
      if (res.ok) await cacheShell(cache, res);
      await Promise.all(STATIC.map((u) => cache.add(u).catch(() => undefined)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;

  // Pages of the app: the network when it answers within 3 s (a new release), else the cached shell,
  // so a phone on a weak signal still opens at once.
  if (req.mode === 'navigate' && (url.pathname === '/m' || url.pathname.startsWith('/m/'))) {
    const cacheP = caches.open(CACHE);
    const network = fetch(SHELL, { cache: 'no-store' }).then((page) => ({ page, copy: page.clone() }));
    event.waitUntil(
      network
        .then(async ({ page, copy }) => {
          if (page.ok) await cacheShell(await cacheP, copy);
        })
        .catch(() => undefined),
    );
    event.respondWith(
      (async () => {
        const cached = await (await cacheP).match(SHELL);
        const fresh = network.then(({ page }) =>
          page.ok ? page : Promise.reject(new Error(String(page.status))),
        );
        if (!cached)
          return fresh.catch(
            () =>
              new Response('离线且尚未缓存应用，请联网后打开一次。', {
                status: 503,
                headers: { 'content-type': 'text/plain; charset=utf-8' },
              }),
          );
        return Promise.race([
          fresh.catch(() => cached),
          new Promise((resolve) => setTimeout(() => resolve(cached), 3000)),
        ]);
      })(),
    );
    return;
  }

  // Hashed assets never change: cache first.
  if (url.pathname.startsWith('/assets/') || STATIC.includes(url.pathname)) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const hit = await cache.match(req);
        if (hit) return hit;
        const res = await fetch(req);
        if (res.ok) await cache.put(req, res.clone());
        return res;
      })(),
    );
  }
});
