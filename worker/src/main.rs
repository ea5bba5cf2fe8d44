//! The Web Worker that owns the opened profiles: it decodes files and
//! answers report requests, so the page's main thread only draws. Only
//! glue lives here; the state and the answers are `leakscope_core::session`.
//!
//! Wire: the page posts `{open: name, buf: ArrayBuffer}` (the buffer is
//! transferred, never copied on the main thread) or a `Uint8Array` holding
//! a postcard `Request`. The worker posts `{t: "ready"}`,
//! `{t: "progress", name, f, stage}` and `{t: "reply", data, mem}` where
//! `data` is a postcard `Response` and `mem` the size of this worker's
//! wasm memory (it never shrinks: the peak).

use js_sys::{Object, Reflect, Uint8Array};
use leakscope_core::session::{Request, Response, Session};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

fn memory_bytes() -> f64 {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buf: js_sys::ArrayBuffer = mem.buffer().unchecked_into();
    buf.byte_length() as f64
}

fn reply(scope: &DedicatedWorkerGlobalScope, r: &Response) {
    let bytes = postcard::to_allocvec(r).unwrap_or_default();
    let data = Uint8Array::from(&bytes[..]);
    let msg = obj(&[("t", "reply".into()), ("data", data.clone().into()), ("mem", memory_bytes().into())]);
    let _ = scope.post_message_with_transfer(&msg, &js_sys::Array::of1(&data.buffer()));
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let session = Rc::new(RefCell::new(Session::new()));
    let s = scope.clone();
    let on_msg = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let mut session = session.borrow_mut();
        if let Some(name) = Reflect::get(&data, &"open".into()).ok().and_then(|v| v.as_string()) {
            let buf = Reflect::get(&data, &"buf".into()).unwrap_or(JsValue::UNDEFINED);
            let bytes = Uint8Array::new(&buf).to_vec();
            drop(buf);
            // At most one message per percent: posting is not free.
            let mut last = -1.0f32;
            let r = session.open(&name, bytes, &mut |f, stage| {
                if f - last >= 0.01 || f >= 1.0 {
                    last = f;
                    s.post_message(&obj(&[("t", "progress".into()), ("name", name.as_str().into()), ("f", f.into()), ("stage", stage.into())])).ok();
                }
            });
            reply(&s, &r);
            return;
        }
        let bytes = Uint8Array::new(&data).to_vec();
        match postcard::from_bytes::<Request>(&bytes) {
            Ok(req) => {
                if let Some(r) = session.handle(req) {
                    reply(&s, &r);
                }
                session.idle();
            }
            // Both sides are built together: this is a bug, say so loudly.
            Err(e) => {
                let _ = s.post_message(&obj(&[("t", "error".into()), ("message", format!("bad request: {e}").into())]));
            }
        }
    });
    scope.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
    on_msg.forget();
    let _ = scope.post_message(&obj(&[("t", "ready".into())]));
}
