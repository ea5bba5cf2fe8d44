//! The page shell: header, tabs, banners, drop handling, start screen.

mod flame;
mod goroutines;
mod leaks;
mod memory;
mod narrow;
pub mod share;
mod source;
mod top;
mod traces;

/// A profile string as the page shows it: bytes that are not UTF-8 (kept
/// by the core as stand-ins, `leakscope_core::text`) read `\xNN`.
pub fn shown(s: &str) -> String {
    leakscope_core::text::for_display(s).into_owned()
}

use crate::derived::Derived;
use crate::load::{self, Input};
use crate::state::{Store, Tab};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

#[component]
pub fn App() -> impl IntoView {
    let store = Store::new();
    provide_context(store);
    let derived = Derived::new(store);
    provide_context(derived);
    // Before any effect runs: the views' first requests ask for the URL's state.
    crate::url::read_into(store, derived);
    crate::url::sync(store, derived);
    // The Leaks tab opens first when leak checks ran on the first files
    // opened (unless the URL asked for a view): its verdict, a leak or a
    // clean bill of health, is the first thing to read. Decided on the
    // whole first batch, once the worker has decoded all of it.
    let first_batch = StoredValue::new(false);
    Effect::new(move |was_empty: Option<bool>| {
        let empty = store.snapshots.with(|v| v.is_empty());
        if was_empty == Some(true) && !empty && !crate::url::opened_with_view() {
            first_batch.set_value(true);
        }
        empty
    });
    Effect::new(move |_| {
        let report = derived.leaks.get();
        let n = store.snapshots.with_untracked(|v| v.len());
        if first_batch.get_value() && store.pending_opens.get() == 0 && report.snapshots == n {
            first_batch.set_value(false);
            if report.verdict != leakscope_core::leak::Verdict::NotChecked {
                store.tab.set(Tab::Leaks);
            }
        }
    });
    // Tests and the benchmark wait on this: requests to the worker are out.
    Effect::new(move |_| {
        let busy = derived.waiting.get() || store.pending_opens.get() > 0;
        if let Some(b) = document().body() {
            let _ = if busy {
                b.set_attribute("data-pending", "")
            } else {
                b.remove_attribute("data-pending")
            };
        }
    });
    share::open_from_hash(store);
    if let Some(token) = load::served_files_token() {
        spawn_local(load::open_served(store, derived, token));
    }
    let help = RwSignal::new(false);
    crate::keys::install(store, help);
    load::install_paste(store, derived);
    let theme = RwSignal::new(String::from("auto"));
    provide_context(theme);
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        share::open_from_hash(store)
    });

    // Drop anywhere on the page.
    let dragging = RwSignal::new(false);
    let _ = window_event_listener(leptos::ev::dragover, move |ev| {
        ev.prevent_default();
        dragging.set(true);
    });
    let _ = window_event_listener(leptos::ev::dragleave, move |ev| {
        if ev.related_target().is_none() {
            dragging.set(false);
        }
    });
    let _ = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(dt) = ev.data_transfer() {
            spawn_local(async move {
                let inputs = load::dropped_inputs(dt).await;
                load::open(store, derived, inputs).await;
            });
        }
    });

    // Only the switch between the start page and the views re-renders the
    // main area (not every file added: views keep their local state).
    let has_content =
        Memo::new(move |_| !store.snapshots.with(|v| v.is_empty()) || store.summary_mode());
    view! {
        <div class="app" class:dragging=move || dragging.get()>
            <Header help=help/>
            <crate::keys::HelpDialog open=help/>
            <ErrorBanner/>
            <share::SummaryBanner/>
            <share::ShareDialog/>
            <Busy/>
            <main id="main">
                {move || if !has_content.get() {
                    view! { <StartScreen/> }.into_any()
                } else {
                    // pprof's filters narrow the profile reports, not these two views.
                    let narrowed = move || !matches!(store.tab.get(), Tab::Goroutines | Tab::Memory);
                    view! { <Tabs/> <Show when=narrowed><narrow::FilterBar/></Show> <CurrentView/> }.into_any()
                }}
            </main>
            <div class="drop-overlay" aria-hidden="true">"Drop profiles or .go sources to open them"</div>
        </div>
    }
}

pub fn open_file_list(store: Store, derived: Derived, files: web_sys::FileList) {
    let inputs: Vec<Input> = (0..files.length())
        .filter_map(|i| files.get(i))
        .map(Input::File)
        .collect();
    spawn_local(load::open(store, derived, inputs));
}

/// A file chooser button; `folder` picks a whole directory of sources.
#[component]
fn FilePicker(
    label: &'static str,
    #[prop(optional)] folder: bool,
    #[prop(optional, into)] testid: Option<&'static str>,
) -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            if folder {
                let _ = el.set_attribute("webkitdirectory", "");
            }
        }
    });
    view! {
        <label class="button" data-testid=testid>
            {label}
            <input type="file" multiple node_ref=input class="visually-hidden"
                on:change=move |ev| {
                    let el: web_sys::HtmlInputElement = event_target(&ev);
                    if let Some(files) = el.files() { open_file_list(store, derived, files); }
                    // Re-picking the same file must fire `change` again.
                    el.set_value("");
                }/>
        </label>
    }
}

#[component]
fn Header(help: RwSignal<bool>) -> impl IntoView {
    let store = Store::use_context();
    let theme = expect_context::<RwSignal<String>>();
    let derived = Derived::use_context();
    let info = move || {
        let s = store.current_snapshot()?;
        let p = &s.meta;
        let si = derived.sample_index.get();
        let st = p.sample_types.get(si)?;
        let total = derived
            .top
            .get()
            .map(|t| crate::derived::fmt(&t, t.total))
            .unwrap_or_default();
        let mut parts = vec![
            format!("{} — {}", p.kind, p.format),
            format!("{}/{}", st.0, st.1),
            format!("total {total}"),
        ];
        if p.time_nanos != 0 {
            parts.push(leakscope_core::measurement::format_time_utc(p.time_nanos));
        }
        if p.duration_nanos != 0 {
            parts.push(format!(
                "duration {}",
                leakscope_core::measurement::label(p.duration_nanos, "nanoseconds")
            ));
        }
        Some(parts.join(" · "))
    };
    view! {
        <header class="top">
            <h1><a href="./" class="brand">"leakscope"</a></h1>
            <div class="open">
                <FilePicker label="Open files…" testid="open-files"/>
                <FilePicker label="Open source folder…" folder=true/>
            </div>
            <span class="spacer"></span>
            <crate::theme::ThemeToggle theme=theme/>
            <button data-testid="help-button" on:click=move |_| help.update(|h| *h = !*h) aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">"?"</button>
            <Show when=move || store.snapshots.with(|v| !v.is_empty())>
                <SnapshotSelector/>
                <SampleTypeSelector/>
                <share::ShareButton/>
                <span class="info" data-testid="profile-info">{info}</span>
            </Show>
        </header>
    }
}

#[component]
fn SnapshotSelector() -> impl IntoView {
    let store = Store::use_context();
    view! {
        <label class="field">"Snapshot "
            <select data-testid="snapshot-select"
                on:change=move |ev| { if let Ok(i) = event_target_value(&ev).parse() { store.current.set(i); } }
                prop:value=move || store.current.get().to_string()>
                {move || store.snapshots.with(|v| v.iter().enumerate().map(|(i, s)| {
                    let label = format!("{} ({})", s.name, s.meta.kind);
                    view! { <option value=i.to_string() selected=move || store.current.get() == i>{label}</option> }
                }).collect_view())}
            </select>
        </label>
    }
}

#[component]
fn SampleTypeSelector() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let types = move || {
        store
            .current_snapshot()
            .map(|s| {
                s.meta
                    .sample_types
                    .iter()
                    .map(|t| t.0.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <Show when=move || { types().len() > 1 }>
            <label class="field">"Sample type "
                <select data-testid="sample-type"
                    on:change=move |ev| store.sample_type.set(Some(event_target_value(&ev)))>
                    {move || {
                        let si = derived.sample_index.get();
                        types().into_iter().enumerate().map(|(i, t)| view! { <option value=t.clone() selected=i == si>{t.clone()}</option> }).collect_view()
                    }}
                </select>
            </label>
        </Show>
    }
}

#[component]
fn ErrorBanner() -> impl IntoView {
    let store = Store::use_context();
    view! {
        <Show when=move || store.errors.with(|e| !e.is_empty())>
            <div class="banner error" role="alert" data-testid="error-banner">
                <ul>{move || store.errors.get().into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                <button on:click=move |_| store.errors.set(Vec::new()) aria-label="Dismiss errors">"Dismiss"</button>
            </div>
        </Show>
    }
}

#[component]
fn Busy() -> impl IntoView {
    let store = Store::use_context();
    view! {
        <Show when=move || store.busy.with(|b| b.is_some()) || store.progress.with(|p| p.is_some())>
            <div class="busy" role="status" data-testid="busy">
                {move || match store.progress.get() {
                    // The worker reports how far it is: a real bar.
                    Some((name, f, stage)) => {
                        let more = store.pending_opens.get().saturating_sub(1);
                        view! {
                            <progress max="100" value=format!("{:.0}", f * 100.0) data-testid="progress"></progress>
                            <span>{format!("Decoding {name} ({stage}, {:.0}%)", f * 100.0)}{(more > 0).then(|| format!(" · {more} more queued"))}</span>
                        }.into_any()
                    }
                    None => view! { <progress></progress><span>{store.busy.get().unwrap_or_default()}</span> }.into_any(),
                }}
            </div>
        </Show>
    }
}

#[component]
fn Tabs() -> impl IntoView {
    let store = Store::use_context();
    // A summary from a link has no traces or sources.
    let tabs = move || {
        Tab::ALL
            .into_iter()
            .filter(|t| !store.summary_mode() || matches!(t, Tab::Leaks | Tab::Top | Tab::Flame))
            .collect::<Vec<_>>()
    };
    view! {
        <nav class="tabs" role="tablist" aria-label="Views">
            {move || tabs().into_iter().map(|t| view! {
                <button role="tab" data-tab=t.slug()
                    aria-selected=move || (store.tab.get() == t).to_string()
                    class:active=move || store.tab.get() == t
                    on:click=move |_| store.tab.set(t)>{t.label()}</button>
            }).collect_view()}
        </nav>
    }
}

#[component]
fn CurrentView() -> impl IntoView {
    let store = Store::use_context();
    move || match store.tab.get() {
        Tab::Leaks => view! { <leaks::LeaksView/> }.into_any(),
        Tab::Top => view! { <top::TopView/> }.into_any(),
        Tab::Source => view! { <source::SourceView/> }.into_any(),
        Tab::Traces => view! { <traces::TracesView/> }.into_any(),
        Tab::Flame => view! { <flame::FlameView/> }.into_any(),
        Tab::Goroutines => view! { <goroutines::GoroutinesView/> }.into_any(),
        Tab::Memory => view! { <memory::MemoryView/> }.into_any(),
    }
}

#[component]
fn StartScreen() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    view! {
        <section class="start">
            <h2>"Drop Go profiles here"</h2>
            <p>"Goroutine, heap, allocs, CPU, block and mutex profiles (" <code>".pb.gz"</code> ", " <code>".pb"</code>
               "), goroutine dumps from " <code>"?debug=1"</code> " and " <code>"?debug=2"</code>
               ", and legacy text profiles. Drop several snapshots of the same program to see what grows, and your "
               <code>".go"</code> " files to annotate the source. Everything is computed in this tab: nothing is uploaded."</p>
            <h3>"Capture them from a Go service"</h3>
            <pre>"curl -o goroutine-1.txt 'http://HOST:PORT/debug/pprof/goroutine?debug=2'\ncurl -o goroutine-1.pb.gz http://HOST:PORT/debug/pprof/goroutine\ncurl -o heap-1.pb.gz http://HOST:PORT/debug/pprof/heap\ngo tool pprof -proto SOURCE > profile.pb.gz"</pre>
            <p>"Repeat a few minutes apart: a leak is what keeps growing. You can also paste a goroutine dump (Ctrl/⌘ V), and press " <kbd>"?"</kbd> " for keyboard shortcuts."</p>
            <div class="demo">
                <button class="primary" data-testid="open-demo" on:click=move |_| spawn_local(load::open_demo(store, derived, "leak"))>"Open demo: goroutine leak"</button>
                <button data-testid="open-demo-healthy" on:click=move |_| spawn_local(load::open_demo(store, derived, "healthy"))>"Open demo: healthy service"</button>
            </div>
        </section>
    }
}

/// The element behind an event, typed.
pub fn event_target<T: JsCast>(ev: &web_sys::Event) -> T {
    ev.target().unwrap().unchecked_into()
}
