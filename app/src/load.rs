//! Reading dropped, picked or demo files and handing them to the worker,
//! which decodes them (the main thread never parses a profile, so a large
//! file never freezes the page; a second one can be dropped meanwhile).

use crate::derived::Derived;
use crate::state::Store;
use js_sys::{Promise, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A file to open: its name and a way to get its bytes.
pub enum Input {
    File(web_sys::File),
    Bytes(String, Vec<u8>),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(f) => {
                // A folder pick keeps the relative path: it matches profile paths better.
                let rel = js_sys::Reflect::get(f, &"webkitRelativePath".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                if rel.is_empty() {
                    f.name()
                } else {
                    rel
                }
            }
            Input::Bytes(n, _) => n.clone(),
        }
    }
    async fn buffer(self) -> Result<js_sys::ArrayBuffer, String> {
        match self {
            Input::File(f) => {
                let buf = JsFuture::from(f.array_buffer())
                    .await
                    .map_err(|e| format!("could not read the file: {e:?}"))?;
                Ok(buf.unchecked_into())
            }
            Input::Bytes(_, b) => Ok(Uint8Array::from(&b[..]).buffer()),
        }
    }
}

fn wanted_from_folder(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    is_source(&name)
        || [".pb.gz", ".pb", ".prof", ".pprof", ".txt", ".gz"]
            .iter()
            .any(|e| name.ends_with(e))
        || name.contains("pprof")
        || name.contains("goroutine")
        || name.contains("heap")
}

fn is_source(name: &str) -> bool {
    name.ends_with(".go") || name.ends_with(".s")
}

/// Opens files: profiles go to the worker (they become snapshots when it
/// answers), `.go` files become sources for the Source view.
pub async fn open(store: Store, derived: Derived, inputs: Vec<Input>) {
    for input in inputs {
        let name = input.name();
        if is_source(&name) {
            match input.buffer().await {
                Ok(b) => {
                    let text = String::from_utf8_lossy(&Uint8Array::new(&b).to_vec()).into_owned();
                    derived.send(leakscope_core::session::Request::Source {
                        name: name.clone(),
                        text: text.clone(),
                    });
                    store.sources.update(|v| {
                        v.retain(|(n, _)| *n != name);
                        v.push((name, text));
                    });
                }
                Err(e) => store.push_error(format!("{name}: {e}")),
            }
            continue;
        }
        store.busy.set(Some(format!("Reading {name}…")));
        match input.buffer().await {
            Ok(buf) => {
                let mb = buf.byte_length() as f64 / 1e6;
                if derived.open(&name, buf) {
                    store.pending_opens.update(|n| *n += 1);
                    store
                        .progress
                        .set(Some((name.clone(), 0.0, format!("{mb:.1} MB"))));
                } else {
                    store.push_error(format!(
                        "{name}: not opened: the decoder has stopped; reload the page"
                    ));
                }
            }
            Err(e) => store.push_error(format!("{name}: {e}")),
        }
    }
    store.busy.set(None);
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let w = web_sys::window().unwrap();
    let resp: web_sys::Response = JsFuture::from(w.fetch_with_str(url))
        .await
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// The token in a `#files=TOKEN` fragment: the page was opened by
/// `leakscope web`, which serves the files under `files/TOKEN/`.
pub fn served_files_token() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let token = hash.strip_prefix("#files=")?;
    (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.to_string())
}

/// Opens the files `leakscope web` serves this page (same origin: the
/// page's CSP allows no other), named as the command line named them.
pub async fn open_served(store: Store, derived: Derived, token: String) {
    store
        .busy
        .set(Some("Loading the files from leakscope web…".into()));
    let base = format!("files/{token}/");
    let index = match fetch_bytes(&format!("{base}index.json")).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            store.busy.set(None);
            store.push_error(format!(
                "leakscope web: the files are gone ({e}): the command has stopped, or this link is from an earlier run"
            ));
            return;
        }
    };
    let v = js_sys::JSON::parse(&index).unwrap_or(JsValue::NULL);
    let names = js_sys::Reflect::get(&v, &"files".into())
        .map(|a| js_sys::Array::from(&a))
        .unwrap_or_default();
    let mut inputs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.as_string().unwrap_or_else(|| format!("file {i}"));
        match fetch_bytes(&format!("{base}{i}")).await {
            Ok(b) => inputs.push(Input::Bytes(name, b)),
            Err(e) => store.push_error(format!("{name}: {e}")),
        }
    }
    open(store, derived, inputs).await;
}

/// Opens one of the bundled demos (`public/demo/index.json`).
pub async fn open_demo(store: Store, derived: Derived, which: &str) {
    store.busy.set(Some("Loading the demo…".into()));
    let index = match fetch_bytes("demo/index.json").await {
        Ok(b) => b,
        Err(e) => {
            store.busy.set(None);
            store.push_error(format!("demo/index.json: {e}"));
            return;
        }
    };
    let index = String::from_utf8_lossy(&index).into_owned();
    let (files, sources) = parse_demo_index(&index, which);
    let mut inputs = Vec::new();
    for (path, file) in sources {
        match fetch_bytes(&format!("demo/{file}")).await {
            Ok(b) => inputs.push(Input::Bytes(path, b)),
            Err(e) => store.push_error(format!("demo/{file}: {e}")),
        }
    }
    for f in files {
        match fetch_bytes(&format!("demo/{f}")).await {
            Ok(b) => inputs.push(Input::Bytes(f, b)),
            Err(e) => store.push_error(format!("demo/{f}: {e}")),
        }
    }
    open(store, derived, inputs).await;
}

/// Reads `{"leak": {"files": [...], "sources": [[path, file]]}}` without a
/// JSON dependency in the page: the index is ours and simple.
fn parse_demo_index(text: &str, which: &str) -> (Vec<String>, Vec<(String, String)>) {
    let v = js_sys::JSON::parse(text).unwrap_or(JsValue::NULL);
    let get =
        |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let demo = get(&v, which);
    let strings = |a: JsValue| -> Vec<String> {
        js_sys::Array::from(&a)
            .iter()
            .filter_map(|x| x.as_string())
            .collect()
    };
    let files = strings(get(&demo, "files"));
    let pairs = js_sys::Array::from(&get(&demo, "sources"));
    let sources = pairs
        .iter()
        .map(|pair| {
            let s = strings(pair);
            (
                s.first().cloned().unwrap_or_default(),
                s.get(1).cloned().unwrap_or_default(),
            )
        })
        .collect();
    (files, sources)
}

/// Calls `obj.method(...)` with a success callback and waits for it
/// (the FileSystem entry API predates promises).
async fn call_with_callback(
    obj: &JsValue,
    method: &str,
    arg: Option<&JsValue>,
) -> Result<JsValue, String> {
    let f: js_sys::Function = js_sys::Reflect::get(obj, &method.into())
        .map_err(|_| format!("no {method}"))?
        .dyn_into()
        .map_err(|_| format!("{method} is not a function"))?;
    let p = Promise::new(&mut |resolve, reject| {
        let r = match arg {
            Some(a) => f.call3(obj, a, &resolve, &reject),
            None => f.call2(obj, &resolve, &reject),
        };
        if let Err(e) = r {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    JsFuture::from(p)
        .await
        .map_err(|e| format!("{method}: {e:?}"))
}

/// Files of a drop, folders walked recursively (their relative paths kept,
/// so dropped sources match the profile's file paths by suffix).
pub async fn dropped_inputs(dt: web_sys::DataTransfer) -> Vec<Input> {
    let items = dt.items();
    let mut entries = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if let Ok(Some(e)) = item.webkit_get_as_entry() {
            entries.push(JsValue::from(e));
        }
    }
    let has_dir = entries.iter().any(|e| {
        js_sys::Reflect::get(e, &"isDirectory".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    });
    if !has_dir {
        let files = dt.files();
        return files
            .map(|f| {
                (0..f.length())
                    .filter_map(|i| f.get(i))
                    .map(Input::File)
                    .collect()
            })
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    let mut todo = entries;
    while let Some(e) = todo.pop() {
        let is_dir = js_sys::Reflect::get(&e, &"isDirectory".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let path = js_sys::Reflect::get(&e, &"fullPath".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        if is_dir {
            let Ok(reader) = js_sys::Reflect::get(&e, &"createReader".into())
                .and_then(|f| f.dyn_into::<js_sys::Function>())
                .and_then(|f| f.call0(&e))
            else {
                continue;
            };
            // readEntries returns batches until an empty one.
            while let Ok(batch) = call_with_callback(&reader, "readEntries", None).await {
                let batch = js_sys::Array::from(&batch);
                if batch.length() == 0 {
                    break;
                }
                todo.extend(batch.iter());
            }
        } else if !wanted_from_folder(&path) {
            // A dropped folder is usually a source tree: take its Go
            // sources and what looks like a profile, not every file.
            continue;
        } else if let Ok(file) = call_with_callback(&e, "file", None).await {
            let file: web_sys::File = file.unchecked_into();
            let bytes = match JsFuture::from(file.array_buffer()).await {
                Ok(b) => Uint8Array::new(&b).to_vec(),
                Err(_) => continue,
            };
            out.push(Input::Bytes(
                path.trim_start_matches('/').to_string(),
                bytes,
            ));
        }
    }
    out
}

/// Text that is only base64 (a profile copied as base64, e.g. from a CI log).
fn base64_bytes(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 16
        || !compact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=-_".contains(c))
    {
        return None;
    }
    let std: String = compact
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bin = web_sys::window()?.atob(&std).ok()?;
    Some(bin.chars().map(|c| c as u32 as u8).collect())
}

/// Ctrl/Cmd+V anywhere (but in a text field) opens the clipboard as a file
/// named "pasted text": a goroutine dump, or a base64 profile.
pub fn install_paste(store: Store, derived: Derived) {
    let _ = window_event_listener(leptos::ev::paste, move |ev: web_sys::ClipboardEvent| {
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA"));
        if in_field {
            return;
        }
        let Some(text) = ev.clipboard_data().and_then(|d| d.get_data("text").ok()) else {
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        ev.prevent_default();
        // Base64 of a gzip file (every .pb.gz) is a profile; else the text
        // itself (a goroutine dump); the worker says if it is neither.
        let bytes = base64_bytes(&text)
            .filter(|b| b.starts_with(&[0x1f, 0x8b]))
            .unwrap_or_else(|| text.into_bytes());
        leptos::task::spawn_local(open(
            store,
            derived,
            vec![Input::Bytes("pasted text".into(), bytes)],
        ));
    });
}
