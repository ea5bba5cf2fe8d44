//! Saving what the page generated: a Blob behind an object URL and an
//! `<a download>` click. Nothing leaves the machine.

use wasm_bindgen::JsCast;

pub fn save(name: &str, mime: &str, bytes: &[u8]) {
    save_parts(
        name,
        mime,
        &js_sys::Array::of1(&js_sys::Uint8Array::from(bytes)),
    );
}

/// A file made of JavaScript byte arrays, joined by the Blob (never by us:
/// an export of hundreds of megabytes is never whole in wasm memory).
pub fn save_parts(name: &str, mime: &str, parts: &js_sys::Array) {
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    click_link(name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
}

fn click_link(name: &str, href: &str) {
    let doc = web_sys::window().unwrap().document().unwrap();
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").unwrap().unchecked_into();
    a.set_href(href);
    a.set_download(name);
    let _ = doc.body().unwrap().append_child(&a);
    a.click();
    a.remove();
}

/// A canvas as PNG (its data URL is local, no request is made).
pub fn save_canvas_png(name: &str, canvas: &web_sys::HtmlCanvasElement) {
    if let Ok(url) = canvas.to_data_url_with_type("image/png") {
        click_link(name, &url);
    }
}

/// A file-name-safe stem from a snapshot name.
pub fn stem(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let base = base.split('.').next().unwrap_or(base);
    let s: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "leakscope".into()
    } else {
        s
    }
}
