//! The Web Worker that owns the opened profiles: it decodes files and
//! answers report requests, so the page's main thread only draws. Only
//! glue lives here; the state, the answers and the order of work are
//! `leakscope_core::session`.
//!
//! It is linked into the page's own wasm module (one download: the code
//! both sides use ships once) and started by `public/worker.js`, which
//! instantiates the module the page sends and calls [`run`].
//!
//! Wire: the page posts `{open: name, buf: ArrayBuffer}` (the buffer is
//! transferred, never copied on the main thread) or a `Uint8Array` holding
//! a postcard `Request`. The worker posts `{t: "ready"}`,
//! `{t: "progress", name, f, stage}` and `{t: "reply", data, mem}` where
//! `data` is a postcard `Response` and `mem` the size of this worker's
//! wasm memory (it never shrinks: the peak). An export first posts its
//! bytes as `{t: "chunk", seq, data}` pieces, then its reply.
//!
//! Messages are queued and worked off in a task of their own: whatever
//! arrived meanwhile is then seen at once, so a request superseded by a
//! newer one of its kind is skipped and files and the visible view go first.

use js_sys::{Object, Reflect, Uint8Array};
use leakscope_core::decode::Input;
use leakscope_core::session::{Job, Queue, Request, Response, Session};
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
    // Straight into a JavaScript buffer, a chunk at a time.
    let data = Uint8Array::new_with_length(r.encoded_len() as u32);
    let mut at = 0u32;
    r.write_chunks(&mut |c| {
        let end = (at + c.len() as u32).min(data.length());
        data.subarray(at, end).copy_from(&c[..(end - at) as usize]);
        at = end;
    });
    let msg = obj(&[
        ("t", "reply".into()),
        ("data", data.clone().into()),
        ("mem", memory_bytes().into()),
    ]);
    let _ = scope.post_message_with_transfer(&msg, &js_sys::Array::of1(&data.buffer()));
}

/// A dropped file left in its JavaScript buffer: decoding copies it into
/// wasm memory a chunk at a time (wasm memory never shrinks, so a whole
/// copy would stay in the worker's peak).
struct JsFile(Uint8Array);

impl Input for JsFile {
    fn len(&self) -> usize {
        self.0.length() as usize
    }

    fn read_at(&self, pos: usize, buf: &mut [u8]) -> usize {
        let len = self.len();
        let n = buf.len().min(len.saturating_sub(pos));
        if n > 0 {
            self.0
                .subarray(pos as u32, (pos + n) as u32)
                .copy_to(&mut buf[..n]);
        }
        n
    }
}

struct Worker {
    session: Session,
    queue: Queue<JsFile>,
    scheduled: bool,
}

/// Does one job, then schedules the next (or the idle work).
fn tick(scope: &DedicatedWorkerGlobalScope, state: &Rc<RefCell<Worker>>, again: &js_sys::Function) {
    let mut w = state.borrow_mut();
    w.scheduled = false;
    let Some(job) = w.queue.pop() else { return };
    match job {
        Job::Open { name, file } => {
            // At most one message per percent: posting is not free.
            let mut last = -1.0f32;
            let r = w.session.open(&name, &file, &mut |f, stage| {
                if f - last >= 0.01 || f >= 1.0 {
                    last = f;
                    scope
                        .post_message(&obj(&[
                            ("t", "progress".into()),
                            ("name", name.as_str().into()),
                            ("f", f.into()),
                            ("stage", stage.into()),
                        ]))
                        .ok();
                }
            });
            reply(scope, &r);
        }
        Job::Request(req) => {
            let seq = match &req {
                Request::ExportTraces { seq, .. } => *seq,
                _ => 0,
            };
            // An export's bytes go out as they are written, each piece
            // moved (not copied) to the page, which joins them in a Blob.
            let mut sink = |piece: &[u8]| {
                let data = Uint8Array::from(piece);
                let msg = obj(&[
                    ("t", "chunk".into()),
                    ("seq", seq.into()),
                    ("data", data.clone().into()),
                ]);
                let _ = scope.post_message_with_transfer(&msg, &js_sys::Array::of1(&data.buffer()));
            };
            if let Some(r) = w.session.handle_with(req, &mut sink) {
                reply(scope, &r);
            }
        }
    }
    if w.queue.is_empty() {
        w.session.idle();
    } else {
        w.scheduled = true;
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(again, 0);
    }
}

/// Takes over this worker's messages and says "ready".
pub fn run() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(Worker {
        session: Session::new(),
        queue: Queue::default(),
        scheduled: false,
    }));
    // The tick closure needs a handle to itself to reschedule.
    let tick_fn: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
    let (s, st, tf) = (scope.clone(), state.clone(), tick_fn.clone());
    let on_tick = Closure::<dyn FnMut()>::new(move || {
        let f = tf.borrow().clone();
        if let Some(f) = f {
            tick(&s, &st, &f);
        }
    });
    *tick_fn.borrow_mut() = Some(on_tick.as_ref().unchecked_ref::<js_sys::Function>().clone());
    on_tick.forget();
    let s = scope.clone();
    let on_msg = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let mut w = state.borrow_mut();
        if let Some(name) = Reflect::get(&data, &"open".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            let buf = Reflect::get(&data, &"buf".into()).unwrap_or(JsValue::UNDEFINED);
            w.queue.open(name, JsFile(Uint8Array::new(&buf)));
        } else {
            match postcard::from_bytes::<Request>(&Uint8Array::new(&data).to_vec()) {
                Ok(req) => w.queue.push(req),
                // Both sides are built together: this is a bug, say so loudly.
                Err(e) => {
                    let _ = s.post_message(&obj(&[
                        ("t", "error".into()),
                        ("message", format!("bad request: {e}").into()),
                    ]));
                    return;
                }
            }
        }
        if !w.scheduled {
            w.scheduled = true;
            if let Some(f) = tick_fn.borrow().as_ref() {
                let _ = s.set_timeout_with_callback_and_timeout_and_arguments_0(f, 0);
            }
        }
    });
    scope.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
    on_msg.forget();
    let _ = scope.post_message(&obj(&[("t", "ready".into())]));
}
