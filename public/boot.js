// Loads the WebAssembly app. An external module rather than Trunk's inline
// script, so the Content-Security-Policy can forbid inline scripts.
import init from './leakscope-app.js';

init({ module_or_path: new URL('./leakscope-app_bg.wasm', import.meta.url) })
  .then((wasm) => {
    // The browser benchmark reads the size of the wasm memory (it never
    // shrinks, so it is the peak).
    window.leakscopeWasmMemory = () => wasm.memory.buffer.byteLength;
  })
  .catch((e) => {
    document.body.textContent = 'leakscope failed to start: ' + e;
  });

// Offline support. A new deployment installs a new worker, which waits
// until the user agrees to reload (open files would otherwise be lost).
// Not for a page served by `leakscope web` (#files=...): its files come
// from the command, which is gone next time, on a port that changes.
if ('serviceWorker' in navigator && location.protocol.startsWith('http') && !location.hash.startsWith('#files=')) {
  let reloading = false;
  const offer = (worker) => {
    if (document.querySelector('.update')) return;
    const box = document.createElement('div');
    box.className = 'update';
    box.setAttribute('role', 'status');
    box.dataset.testid = 'update';
    const text = document.createElement('span');
    text.textContent = 'A new version of leakscope is available. ';
    const button = document.createElement('button');
    button.textContent = 'Reload';
    button.addEventListener('click', () => {
      reloading = true;
      worker.postMessage('skipWaiting');
    });
    box.append(text, button);
    document.body.append(box);
  };
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
  navigator.serviceWorker.register('./sw.js').then((reg) => {
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const worker = reg.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
      });
    });
  }).catch(() => { /* offline support is a bonus; the page works without it */ });
}
