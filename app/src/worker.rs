//! The page's side of the Web Worker (`worker/`): starts it on this very
//! wasm module (sent compiled: no second download or compile), queues
//! messages until it says it is ready (earlier ones would be dropped), and
//! hands its replies to a callback. Profiles are transferred, never copied
//! or decoded on the main thread.

use js_sys::{Array, Object, Reflect, Uint8Array};
use leakscope_core::session::{Request, Response};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// What the worker says, decoded.
pub enum Event {
    /// The worker has loaded and takes messages.
    Ready,
    Progress {
        name: String,
        fraction: f32,
        stage: String,
    },
    Reply(Response, f64),
    /// A piece of export `seq`'s bytes (its reply follows the last one).
    Chunk(u32, Uint8Array),
    /// The worker died (a crash, or its script failed to load).
    Stopped(String),
}

struct Inner {
    worker: Option<Worker>,
    ready: bool,
    queue: Vec<(JsValue, Option<Array>)>,
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

#[derive(Clone, Copy)]
pub struct Client {
    inner: StoredValue<Inner, LocalStorage>,
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap_or(JsValue::UNDEFINED)
}

impl Client {
    /// Starts the worker; `on_event` runs for each of its messages.
    pub fn start(on_event: impl Fn(Event) + 'static) -> Client {
        let client = Client {
            inner: StoredValue::new_local(Inner {
                worker: None,
                ready: false,
                queue: Vec::new(),
                _handlers: Vec::new(),
            }),
        };
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Module);
        let worker = match Worker::new_with_options("./worker.js", &opts) {
            Ok(w) => w,
            Err(e) => {
                on_event(Event::Stopped(format!("{e:?}")));
                return client;
            }
        };
        let on_event = std::rc::Rc::new(on_event);
        let ev = on_event.clone();
        let on_msg = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let data = e.unchecked_into::<MessageEvent>().data();
            match get(&data, "t").as_string().as_deref() {
                Some("ready") => {
                    client.flush();
                    ev(Event::Ready);
                }
                Some("progress") => ev(Event::Progress {
                    name: get(&data, "name").as_string().unwrap_or_default(),
                    fraction: get(&data, "f").as_f64().unwrap_or(0.0) as f32,
                    stage: get(&data, "stage").as_string().unwrap_or_default(),
                }),
                Some("reply") => {
                    let bytes = Uint8Array::new(&get(&data, "data")).to_vec();
                    let mem = get(&data, "mem").as_f64().unwrap_or(0.0);
                    match postcard::from_bytes::<Response>(&bytes) {
                        Ok(r) => ev(Event::Reply(r, mem)),
                        Err(err) => ev(Event::Stopped(format!("unreadable reply: {err}"))),
                    }
                }
                Some("chunk") => ev(Event::Chunk(
                    get(&data, "seq").as_f64().unwrap_or(0.0) as u32,
                    Uint8Array::new(&get(&data, "data")),
                )),
                Some("error") => ev(Event::Stopped(
                    get(&data, "message").as_string().unwrap_or_default(),
                )),
                _ => {}
            }
        });
        let ev = on_event.clone();
        let on_err = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            // A 404 gives a plain Event, a panic an ErrorEvent with a message.
            let msg = get(&e, "message")
                .as_string()
                .unwrap_or_else(|| "its script could not be loaded".into());
            client.inner.update_value(|i| {
                if let Some(w) = i.worker.take() {
                    w.terminate();
                }
            });
            ev(Event::Stopped(msg));
        });
        worker.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_err.as_ref().unchecked_ref()));
        // worker.js waits for this first message; the rest wait for "ready".
        let _ = worker.post_message(&wasm_bindgen::module());
        client.inner.update_value(|i| {
            i.worker = Some(worker);
            i._handlers = vec![on_msg, on_err];
        });
        client
    }

    fn flush(&self) {
        self.inner.update_value(|i| {
            i.ready = true;
            let Some(w) = &i.worker else { return };
            for (msg, transfer) in i.queue.drain(..) {
                let _ = match transfer {
                    Some(t) => w.post_message_with_transfer(&msg, &t),
                    None => w.post_message(&msg),
                };
            }
        });
    }

    fn post_raw(&self, msg: JsValue, transfer: Option<Array>) {
        self.inner.update_value(|i| match (&i.worker, i.ready) {
            (Some(w), true) => {
                let _ = match &transfer {
                    Some(t) => w.post_message_with_transfer(&msg, t),
                    None => w.post_message(&msg),
                };
            }
            _ => i.queue.push((msg, transfer)),
        });
    }

    /// False once the worker has stopped (crashed, or never started).
    pub fn alive(&self) -> bool {
        self.inner
            .try_with_value(|i| i.worker.is_some())
            .unwrap_or(false)
    }

    pub fn post(&self, req: &Request) {
        let bytes = postcard::to_allocvec(req).unwrap_or_default();
        let data = Uint8Array::from(&bytes[..]);
        let t = Array::of1(&data.buffer());
        self.post_raw(data.into(), Some(t));
    }

    /// Sends a file's bytes to be decoded; the buffer moves to the worker.
    pub fn open(&self, name: &str, buf: js_sys::ArrayBuffer) {
        let o = Object::new();
        let _ = Reflect::set(&o, &"open".into(), &name.into());
        let _ = Reflect::set(&o, &"buf".into(), &buf);
        self.post_raw(o.into(), Some(Array::of1(&buf)));
    }
}
