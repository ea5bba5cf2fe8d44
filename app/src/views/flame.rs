//! Flame: an icicle graph (root on top, width by cum) drawn on a canvas
//! from the core's flat layout; only visible frames are drawn. Click to
//! zoom, breadcrumb or Escape to zoom out, hover for details, regex search
//! with the share it covers, bottom-up toggle, colors stable per package.
//!
//! The worker sends a tree pruned to what the canvas can show; zooming
//! draws the frames already here at once and asks for the zoomed frame's
//! finer detail, identified by its path of frame keys.

use crate::derived::{Derived, Shared};
use crate::state::Store;
use leakscope_core::measurement::{percentage, scaled_label};
use leakscope_core::report::compare::CumChanges;
use leakscope_core::report::flame::FlameTree;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

const ROW: f64 = 18.0;

/// The package part of a Go function name, for coloring.
fn package(name: &str) -> &str {
    let slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    match name[slash..].find('.') {
        Some(i) => &name[..slash + i],
        None => name,
    }
}

/// A stable warm hue per package (FNV-1a hash), lighter for inlined frames.
pub fn color(name: &str, inline: bool, dim: bool) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in package(name).bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    let hue = (h % 60) as f64
        + if package(name) == "runtime" {
            180.0
        } else {
            0.0
        };
    let light = if inline { 72.0 } else { 62.0 } + (h >> 8) as f64 % 8.0;
    let sat = if dim { 8.0 } else { 70.0 };
    format!("hsl({hue:.0}, {sat:.0}%, {light:.0}%)")
}

#[component]
pub fn FlameView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let overlay = NodeRef::<leptos::html::Canvas>::new();
    let zoom = RwSignal::new(0u32);
    let hover = RwSignal::new(None::<(u32, f64, f64)>);
    let search = Memo::new(move |_| derived.flame_ask.with(|a| a.search.clone()));
    let width = RwSignal::new(1000.0f64);
    // The frame the keyboard is on (announced to screen readers).
    let focus = RwSignal::new(None::<u32>);
    let theme = expect_context::<RwSignal<String>>();
    let data = derived.flame;
    let tree = Memo::new(move |_| data.get().map(|d| d.tree.clone()));
    // Zooming asks the worker for the detail under the zoomed frame.
    let zoom_to = move |n: u32| {
        zoom.set(n);
        if let Some(t) = tree.get_untracked() {
            let keys: Vec<u32> = t.path(n)[1..]
                .iter()
                .map(|&k| t.nodes[k as usize].key)
                .collect();
            if !store.summary_mode() && derived.flame_ask.with_untracked(|a| a.focus != keys) {
                derived.flame_ask.update(|a| a.focus = keys);
            }
        }
    };

    // A new tree keeps the zoomed frame (found again by its key path);
    // a cross-link from another view zooms to the function's widest frame.
    Effect::new(move |_| {
        let Some(t) = tree.get() else { return };
        let path = derived.flame_ask.with_untracked(|a| a.focus.clone());
        let mut z = 0u32;
        for key in path {
            match t.nodes[z as usize]
                .children
                .iter()
                .find(|&&c| t.nodes[c as usize].key == key)
            {
                Some(&c) => z = c,
                None => break,
            }
        }
        // Untracked: clearing the request below must not re-run this.
        if let Some(f) = store.flame_fn.get_untracked() {
            if let Some(i) = t.widest(&f) {
                store.flame_fn.set(None);
                zoom_to(i);
                focus.set(None);
                return;
            }
        }
        if zoom.get_untracked() != z {
            zoom.set(z);
            focus.set(None);
        }
    });

    // Search hits: from the worker (its regex engine is pprof's), or, for
    // a summary from a link, in the page.
    let matches = Memo::new(move |_| {
        let d = data.get()?;
        let q = search.get();
        if q.is_empty() {
            return None;
        }
        if store.summary_mode() {
            let re = crate::pattern::Pattern::parse(&q).ok()??;
            let (hits, covered) = d.tree.search(&|n| re.is_match(n));
            return Some(Shared(std::sync::Arc::new((
                crate::derived::hit_mask(d.tree.nodes.len(), &hits),
                covered,
            ))));
        }
        let hits = d.hits.clone()?;
        Some(Shared(std::sync::Arc::new((hits, d.covered))))
    });
    // The matches drawn (under the zoomed frame) in reading order; Enter
    // and Shift+Enter in the search box move the keyboard's frame, the
    // outlined and announced one, through them.
    let match_list = Memo::new(move |_| {
        let m = matches.get()?;
        let t = tree.get()?;
        let z = zoom.get();
        let mut list = t.in_reading_order(&m.0 .0);
        list.retain(|&n| t.is_under(z, n));
        Some(Shared::new(list))
    });
    let match_at = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        match_list.track();
        match_at.set(None);
    });
    let step_match = move |by: isize| {
        let (Some(list), Some(t)) = (match_list.get_untracked(), tree.get_untracked()) else {
            return;
        };
        if list.is_empty() {
            return;
        }
        let n = list.len() as isize;
        let next = match match_at.get_untracked() {
            None if by > 0 => 0,
            None => n - 1,
            Some(i) => (i as isize + by).rem_euclid(n),
        } as usize;
        match_at.set(Some(next));
        let node = list[next];
        focus.set(Some(node));
        // Bring its row into the window.
        if let Some(c) = canvas.get_untracked() {
            let depth = t.nodes[node as usize].depth - t.nodes[zoom.get_untracked() as usize].depth;
            let y = c.get_bounding_client_rect().top() + depth as f64 * ROW;
            let w = window();
            let h = w
                .inner_height()
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(800.0);
            if !(0.0..h - ROW).contains(&y) {
                w.scroll_by_with_x_and_y(0.0, y - h / 2.0);
            }
        }
    };
    Effect::new(move |_| {
        let w = width.get();
        if derived.flame_ask.with_untracked(|a| a.width != w) {
            derived.flame_ask.update(|a| a.width = w);
        }
    });

    // With a base: each function's change in cum, for coloring.
    let diff = Memo::new(move |_| {
        let (cur, base) = (derived.top.get()?, derived.base_top.get()?);
        Some(Shared(std::sync::Arc::new(CumChanges::new(
            &cur.rows, &base.rows,
        ))))
    });

    // Redraw the frames when what is shown changes; the hovered or
    // focused frame is outlined on an overlay canvas, so moving the mouse
    // never repaints the whole graph.
    Effect::new(move |_| {
        let (Some(t), Some(c)) = (tree.get(), canvas.get()) else {
            return;
        };
        let z = zoom.get();
        let m = matches.get();
        let w = width.get();
        theme.track();
        let d = diff.get();
        draw(
            &t,
            &c,
            z,
            m.as_ref().map(|m| &m.0 .0[..]),
            w,
            crate::theme::is_dark(),
            d.as_ref().map(|d| &*d.0),
        );
    });
    Effect::new(move |_| {
        let (Some(t), Some(c), Some(o)) = (tree.get(), canvas.get(), overlay.get()) else {
            return;
        };
        let z = zoom.get();
        width.track();
        let hov = hover.get().map(|h| h.0).or(focus.get());
        outline(&t, &c, &o, z, hov, crate::theme::is_dark());
    });

    // Track the container width.
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            if let Some(parent) = c.parent_element() {
                width.set(parent.client_width().max(300) as f64);
            }
        }
    });
    let on_resize = window_event_listener(leptos::ev::resize, move |_| {
        if let Some(parent) = canvas.get_untracked().and_then(|c| c.parent_element()) {
            width.set(parent.client_width().max(300) as f64);
        }
    });
    let on_keydown = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && store.tab.get_untracked() == crate::state::Tab::Flame {
            if let Some(t) = tree.get_untracked() {
                let z = zoom.get_untracked();
                zoom_to(t.nodes[z as usize].parent);
            }
        }
    });

    // Window listeners outlive the view unless removed: they would touch
    // disposed signals after a tab switch.
    on_cleanup(move || {
        on_resize.remove();
        on_keydown.remove();
    });

    let locate = move |ev: &web_sys::MouseEvent| -> Option<u32> {
        let t = tree.get_untracked()?;
        let c = canvas.get_untracked()?;
        let rect = c.get_bounding_client_rect();
        let (px, py) = (
            ev.client_x() as f64 - rect.left(),
            ev.client_y() as f64 - rect.top(),
        );
        t.frame_at(
            zoom.get_untracked(),
            px / width.get_untracked(),
            (py / ROW) as u32,
        )
    };

    // Arrow keys walk the tree: up to the caller, down to the widest
    // callee, left/right along the row; Enter opens the source, Space zooms.
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some(t) = tree.get_untracked() else {
            return;
        };
        let z = zoom.get_untracked();
        let cur = focus.get_untracked().unwrap_or(z);
        let node = &t.nodes[cur as usize];
        let siblings = |d: i32| -> Option<u32> {
            if cur == z {
                return None;
            }
            let kids = &t.nodes[node.parent as usize].children;
            let i = kids.iter().position(|&k| k == cur)? as i32 + d;
            kids.get(usize::try_from(i).ok()?).copied()
        };
        let next = match ev.key().as_str() {
            "ArrowUp" => (cur != z).then_some(node.parent),
            "ArrowDown" => node.children.first().copied(),
            "ArrowLeft" => siblings(-1),
            "ArrowRight" => siblings(1),
            "Enter" => {
                if !store.summary_mode() && cur != 0 {
                    store
                        .source_fn
                        .set(Some(t.names[node.name as usize].clone()));
                    store.tab.set(crate::state::Tab::Source);
                }
                return;
            }
            " " => {
                zoom_to(cur);
                ev.prevent_default();
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(n) = next {
            focus.set(Some(n));
        }
    };
    let announce = move || {
        let n = focus.get()?;
        let t = tree.get()?;
        let top = derived.top.get()?;
        let node = &t.nodes[n as usize];
        Some(format!(
            "{}{}: cum {} ({}), self {} ({})",
            super::shown(&t.names[node.name as usize]),
            if node.inline { " (inline)" } else { "" },
            scaled_label(node.total, &top.unit, "minimum"),
            percentage(node.total, top.total).trim(),
            scaled_label(node.self_value, &top.unit, "minimum"),
            percentage(node.self_value, top.total).trim()
        ))
    };
    let export_svg = move |_| {
        let (Some(t), Some(top)) = (tree.get_untracked(), derived.top.get_untracked()) else {
            return;
        };
        let svg = leakscope_core::export::flame_svg(
            &t,
            zoom.get_untracked(),
            width.get_untracked(),
            &top.unit,
            // The colors on screen: by change with a base, else by package.
            &|n, inline| match diff.get_untracked() {
                Some(d) => diff_color(d.0.relative(n)),
                None => color(n, inline, false),
            },
        );
        crate::download::save("flame.svg", "image/svg+xml", svg.as_bytes());
    };
    let export_png = move |_| {
        if let Some(c) = canvas.get_untracked() {
            crate::download::save_canvas_png("flame.png", &c);
        }
    };

    let tooltip = move || {
        let (n, x, y) = hover.get()?;
        let t = tree.get()?;
        let top = derived.top.get()?;
        let node = &t.nodes[n as usize];
        let name = super::shown(&t.names[node.name as usize]);
        let file = super::shown(&t.files[node.name as usize]);
        let unit = top.unit.clone();
        Some(view! {
            <div class="tooltip" data-testid="flame-tooltip" style:left=format!("{}px", x + 12.0) style:top=format!("{}px", y + 12.0)>
                <div class="name">{name}{node.inline.then_some(" (inline)")}</div>
                <div class="muted">{file}</div>
                <div>{format!("cum {} ({})", scaled_label(node.total, &unit, "minimum"), percentage(node.total, top.total).trim())}</div>
                <div>{format!("self {} ({})", scaled_label(node.self_value, &unit, "minimum"), percentage(node.self_value, top.total).trim())}</div>
            </div>
        })
    };

    let crumbs =
        move || {
            let t = tree.get()?;
            let path = t.path(zoom.get());
            Some(path.into_iter().map(|n| {
            let label = super::shown(&t.names[t.nodes[n as usize].name as usize]);
            view! { <button class="crumb" on:click=move |_| zoom_to(n)>{label}</button> }
        }).collect_view())
        };

    view! {
           <section class="view flame-view" aria-label="Flame graph">
               <div class="toolbar">
                   <label class="field">"Search (regex) "
    <input type="search" data-testid="flame-search" data-search="" spellcheck="false" prop:value=move || search.get() on:input=move |ev| { let q = event_target_value(&ev); derived.flame_ask.update(|a| a.search = q); }
        on:keydown=move |ev: web_sys::KeyboardEvent| { if ev.key() == "Enter" { ev.prevent_default(); step_match(if ev.shift_key() { -1 } else { 1 }); } }
        aria-describedby="flame-search-help"/>
                   </label>
                   <span class="muted" data-testid="flame-share">{move || {
                       let m = matches.get()?;
                       let t = tree.get()?;
                       let hits = m.0 .0.iter().filter(|b| **b).count();
                       Some(format!("{hits} frames match, {} of the total", percentage(m.0 .1, t.nodes[0].total).trim()))
                   }}</span>
                   <span class="muted" data-testid="flame-match" id="flame-search-help">{move || {
                       let list = match_list.get()?;
                       if list.is_empty() { return None; }
                       Some(match match_at.get() {
                           Some(i) => format!("match {} of {} (Enter, Shift+Enter)", i + 1, list.len()),
                           None => "Enter: next match".to_string(),
                       })
                   }}</span>
                   <label class="field"><input type="checkbox" data-testid="bottom-up" prop:checked=move || store.bottom_up.get()
                       on:change=move |ev| { let el: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into(); store.bottom_up.set(el.checked()); }/>" Bottom-up (callers of each leaf)"</label>
                   <button data-testid="export-svg" on:click=export_svg>"Export SVG"</button>
                   <button data-testid="export-png" on:click=export_png>"Export PNG"</button>
               </div>
               <p class="visually-hidden" aria-live="polite" data-testid="flame-focus">{announce}</p>
               {move || diff.with(|d| d.is_some()).then(|| view! {
                   <p class="legend" data-testid="flame-legend">"Compared with the base: "
                       <span class="swatch grew-bg"></span>" grew · "<span class="swatch shrank-bg"></span>" shrank · "<span class="swatch same-bg"></span>" unchanged (widths: the current profile)"</p>
               })}
               <nav class="breadcrumb" aria-label="Zoom path" data-testid="breadcrumb">{crumbs}
                   {move || {
                       let t = tree.get()?;
                       let z = zoom.get();
                       if z == 0 { return None; }
                       let name = t.names[t.nodes[z as usize].name as usize].clone();
                       let (n1, n2, n3, n4) = (name.clone(), name.clone(), name.clone(), name);
                       Some(view! {
                           <span class="zoom-links">
                               <Show when=move || !store.summary_mode()>
                                   <button class="link" data-testid="flame-to-source" on:click={let n1 = n1.clone(); move |_| { store.source_fn.set(Some(n1.clone())); store.tab.set(crate::state::Tab::Source); }}>"source"</button>
                               </Show>
                               <button class="link" data-testid="flame-to-top" on:click={let n2 = n2.clone(); move |_| { store.filter.set(format!("^{}$", crate::pattern::escape(&n2))); store.tab.set(crate::state::Tab::Top); }}>"in Top"</button>
                               <Show when=move || !store.summary_mode()>
                                   <button class="link" data-testid="flame-focus-this" on:click={let n = n3.clone(); move |_| { store.filters.update(|f| f.focus = format!("^{}$", crate::pattern::escape(&n))); }}>"focus on this"</button>
                                   <button class="link" data-testid="flame-hide-this" on:click={let n = n4.clone(); move |_| { store.filters.update(|f| f.hide = format!("^{}$", crate::pattern::escape(&n))); }}>"hide this"</button>
                               </Show>
                           </span>
                       })
                   }}
               </nav>
               <div class="canvas-wrap">
                   <canvas node_ref=canvas data-testid="flame-canvas" data-zoom=move || zoom.get().to_string() tabindex="0" role="img"
                       on:keydown=on_key
                       aria-label="Flame graph: click a frame or press Space to zoom, Escape to zoom out, arrow keys to move between frames, Enter for the source"
                       on:mousemove=move |ev| hover.set(locate(&ev).map(|n| (n, ev.offset_x() as f64, ev.offset_y() as f64)))
                       on:mouseleave=move |_| hover.set(None)
                       on:click=move |ev| { if let Some(n) = locate(&ev) { zoom_to(n); } }/>
                   <canvas node_ref=overlay class="overlay" aria-hidden="true"></canvas>
                   {tooltip}
               </div>
           </section>
       }
}

/// Red for frames whose function grew since the base, blue for shrank,
/// stronger with the size of the change (`change`: -1 to 1, from
/// [`CumChanges::relative`]); gray when unchanged.
pub fn diff_color(change: f64) -> String {
    if change == 0.0 {
        return "hsl(0, 0%, 72%)".into();
    }
    let r = change.abs().min(1.0);
    let hue = if change > 0.0 { 0.0 } else { 215.0 };
    format!(
        "hsl({hue:.0}, {:.0}%, {:.0}%)",
        25.0 + 65.0 * r,
        78.0 - 22.0 * r
    )
}

/// Outlines one frame on the overlay, sized like the main canvas.
fn outline(
    t: &FlameTree,
    c: &web_sys::HtmlCanvasElement,
    o: &web_sys::HtmlCanvasElement,
    zoom: u32,
    node: Option<u32>,
    dark: bool,
) {
    if o.width() != c.width() || o.height() != c.height() {
        o.set_width(c.width());
        o.set_height(c.height());
        let (cs, os) = (
            web_sys::HtmlElement::style(c),
            web_sys::HtmlElement::style(o),
        );
        let _ = os.set_property("width", &cs.get_property_value("width").unwrap_or_default());
        let _ = os.set_property(
            "height",
            &cs.get_property_value("height").unwrap_or_default(),
        );
    }
    let Ok(Some(ctx)) = o.get_context("2d") else {
        return;
    };
    let ctx: web_sys::CanvasRenderingContext2d = ctx.unchecked_into();
    ctx.clear_rect(0.0, 0.0, o.width() as f64, o.height() as f64);
    let Some(n) = node else { return };
    if !t.is_under(zoom, n) {
        return;
    }
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0);
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    let css_w = c.width() as f64 / dpr;
    let (fx, fw) = t.span(zoom, n);
    let rows = t.nodes[n as usize].depth - t.nodes[zoom as usize].depth;
    let (x, w, y) = (fx * css_w, fw * css_w, rows as f64 * ROW);
    ctx.set_stroke_style_str(if dark { "#fff" } else { "#222" });
    ctx.set_line_width(1.5);
    ctx.stroke_rect(x + 0.75, y + 0.75, (w - 2.0).max(0.5), ROW - 2.5);
}

fn draw(
    t: &FlameTree,
    c: &web_sys::HtmlCanvasElement,
    zoom: u32,
    hits: Option<&[bool]>,
    css_w: f64,
    dark: bool,
    diff: Option<&CumChanges>,
) {
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0);
    let z = &t.nodes[zoom as usize];
    let rows = (t.max_depth - z.depth + 1) as f64;
    let css_h = (rows * ROW).min(20000.0);
    let (pw, ph) = ((css_w * dpr) as u32, (css_h * dpr) as u32);
    // Resizing reallocates the canvas: only when the size changes.
    if c.width() != pw || c.height() != ph {
        c.set_width(pw);
        c.set_height(ph);
        let style = web_sys::HtmlElement::style(c);
        let _ = style.set_property("width", &format!("{css_w}px"));
        let _ = style.set_property("height", &format!("{css_h}px"));
    }
    let Ok(Some(ctx)) = c.get_context("2d") else {
        return;
    };
    let ctx: web_sys::CanvasRenderingContext2d = ctx.unchecked_into();
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, css_w, css_h);
    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_text_baseline("middle");
    // Walk down from the zoomed frame and skip whole subtrees narrower
    // than half a pixel: drawing costs what is visible, not the tree size
    // (millions of frames on big profiles).
    // Tests and the benchmark read how many frames the tree has.
    let _ = c.set_attribute("data-frames", &t.nodes.len().to_string());
    let _ = c.set_attribute("data-bottom-up", if t.bottom_up { "true" } else { "false" });
    let mut todo = vec![zoom];
    while let Some(id) = todo.pop() {
        let i = id as usize;
        let n = &t.nodes[i];
        let (fx, fw) = t.span(zoom, id);
        let (x, w) = (fx * css_w, fw * css_w);
        if w < 0.5 || x + w <= 0.0 || x >= css_w {
            continue;
        }
        todo.extend(n.children.iter().copied());
        let y = (n.depth - z.depth) as f64 * ROW;
        if y > css_h {
            continue;
        }
        let name = &t.names[n.name as usize];
        let dim = hits.is_some_and(|h| !h[i]);
        let root = if dark {
            "hsl(0, 0%, 35%)"
        } else {
            "hsl(0, 0%, 80%)"
        };
        let fill = match diff {
            _ if i == 0 => root.to_string(),
            Some(d) if !dim => diff_color(d.relative(name)),
            _ => color(name, n.inline, dim),
        };
        ctx.set_fill_style_str(&fill);
        ctx.fill_rect(x, y, (w - 0.5).max(0.5), ROW - 1.0);
        if let Some(label) =
            leakscope_core::report::flame::fit_label(&leakscope_core::text::for_display(name), w)
        {
            ctx.set_fill_style_str(if dim { "#666" } else { "#111" });
            let _ = ctx.fill_text(&label, x + 3.0, y + ROW / 2.0);
        }
    }
}
