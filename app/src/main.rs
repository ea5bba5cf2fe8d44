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

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(views::App);
}
