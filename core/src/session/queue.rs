//! The worker's queue: what arrived, in the order worth working it off.

use super::wire::Request;

/// Work waiting for the worker, in the order worth doing it: files first
/// (in the order dropped), then what the user looks at (Top, then Flame,
/// Goroutines and Memory, List, Traces), then Summary and Leaks. A request replaces a queued one of the
/// same kind: the page only reads the answer to its latest.
/// `F` is how a queued file is held (the worker: its JavaScript buffer).
pub struct Queue<F = Vec<u8>> {
    files: std::collections::VecDeque<(String, F)>,
    requests: Vec<Request>,
}

/// What [`Queue::pop`] hands out.
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // moved once, from the queue to its worker
pub enum Job<F> {
    /// A dropped file to decode ([`super::Session::open`]).
    Open { name: String, file: F },
    /// A request to answer ([`super::Session::handle_with`]).
    Request(Request),
}

impl<F> Default for Queue<F> {
    fn default() -> Self {
        Queue {
            files: Default::default(),
            requests: Vec::new(),
        }
    }
}

impl Request {
    /// Lower runs first.
    fn rank(&self) -> u8 {
        match self {
            Request::Forget { .. } | Request::Source { .. } => 0,
            Request::Top { .. } => 1,
            Request::Flame { .. } | Request::Goroutines { .. } | Request::Memory { .. } => 2,
            Request::List { .. } => 3,
            Request::Traces { .. } | Request::ExportTraces { .. } => 4,
            Request::Summary { .. } => 5,
            Request::Leaks { .. } => 6,
        }
    }
}

impl<F> Queue<F> {
    /// Queues a dropped file, after those queued before it.
    pub fn open(&mut self, name: String, file: F) {
        self.files.push_back((name, file));
    }

    /// Queues a request, replacing a queued one of its kind.
    pub fn push(&mut self, r: Request) {
        // Forget and Source are state changes: never replaced, kept in order.
        if r.rank() != 0 {
            self.requests
                .retain(|q| std::mem::discriminant(q) != std::mem::discriminant(&r));
        }
        self.requests.push(r);
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.requests.is_empty()
    }

    /// The next job: a file to open, or a request.
    pub fn pop(&mut self) -> Option<Job<F>> {
        // State changes queued before a file keep their place before it.
        if let Some(i) = self.requests.iter().position(|r| r.rank() == 0) {
            return Some(Job::Request(self.requests.remove(i)));
        }
        if let Some((name, file)) = self.files.pop_front() {
            return Some(Job::Open { name, file });
        }
        let i = (0..self.requests.len()).min_by_key(|&i| (self.requests[i].rank(), i))?;
        Some(Job::Request(self.requests.remove(i)))
    }
}
