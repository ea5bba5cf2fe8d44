// leakscope's service worker: caches the site so it works offline once
// visited. scripts/stamp-sw.sh rewrites VERSION and ASSETS at build time
// (a new VERSION is a new deployment: the page then offers to reload).
const VERSION = 'dev';
const ASSETS = ["./", "index.html", "boot.js", "leakscope-app.js", "leakscope-app_bg.wasm", "style.css", "demo/index.json"];
const CACHE = 'leakscope-' + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('leakscope-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skipWaiting') self.skipWaiting();
});

// Cache first for this site's own files; nothing else is ever fetched.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetch(event.request)),
    ),
  );
});
