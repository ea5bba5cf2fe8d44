//! leakscope's page: Leptos (client-side rendering) over leakscope-core.
//! Components render; every number comes from the core.

mod derived;
mod download;
mod keys;
mod load;
mod pattern;
mod state;
mod theme;
mod url;
mod views;
mod worker;

/// The worker's entry (`public/worker.js`): the worker runs this same
/// module, so the code both sides need is downloaded once.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn worker_main() {
    leakscope_worker::run();
}

fn main() {
    console_error_panic_hook::set_once();
    // Instantiating the module runs `main` in the worker too: no page there.
    if web_sys::window().is_some() {
        leptos::mount::mount_to_body(views::App);
    }
}
