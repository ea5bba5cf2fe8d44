// The Web Worker's entry. It runs the page's own wasm module: the page
// posts the compiled WebAssembly.Module first, so nothing is fetched or
// compiled twice; `worker_main` then takes over the messages and says
// "ready" (the page holds everything else back until then).
import init, { worker_main } from './leakscope-app.js';

self.addEventListener('message', (e) => {
  init({ module_or_path: e.data })
    .then(() => worker_main())
    .catch((err) => self.postMessage({ t: 'error', message: 'the worker could not start: ' + err }));
}, { once: true });
