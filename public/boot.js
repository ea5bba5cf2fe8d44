// Loads the WebAssembly app. An external module rather than Trunk's inline
// script, so the Content-Security-Policy can forbid inline scripts.
import init from './leakscope-app.js';
init({ module_or_path: new URL('./leakscope-app_bg.wasm', import.meta.url) }).catch((e) => {
  document.body.textContent = 'leakscope failed to start: ' + e;
});
