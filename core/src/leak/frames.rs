//! Reading stacks the way a Go developer does: which frame is the
//! program's own code, what the goroutine waits on, who created it.

use crate::profile::{Frame, Profile, SampleRef};

/// Top-level packages of the Go standard library. A function whose import
/// path starts with one of these is not "the program's own code".
const STD: &[&str] = &[
    "archive",
    "bufio",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "structs",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
    "vendor",
    "weak",
    "golang.org/x",
];

/// The import path's first element of a Go function name:
/// `net/http.(*conn).serve` -> `net`, `main.main` -> `main`.
fn top_package(func: &str) -> &str {
    let last_slash = func.rfind('/').map(|i| i + 1).unwrap_or(0);
    let pkg_end = func[last_slash..]
        .find('.')
        .map(|i| last_slash + i)
        .unwrap_or(func.len());
    let path = &func[..pkg_end];
    path.split('/').next().unwrap_or(path)
}

/// Libraries every service runs that are infrastructure, not the
/// program's own code: their goroutines (transports, exporters) are judged
/// like the standard library's.
const LIBRARIES: &[&str] = &[
    "golang.org/x/",
    "google.golang.org/grpc",
    "go.opencensus.io/",
    "go.opentelemetry.io/",
];

pub fn is_user_function(func: &str) -> bool {
    if func.is_empty() || LIBRARIES.iter().any(|l| func.starts_with(l)) {
        return false;
    }
    let top = top_package(func);
    !STD.contains(&top)
}

/// Every frame of a sample, leaf first, inlined frames included.
pub fn frames(p: &Profile, s: &SampleRef) -> Vec<Frame> {
    let mut out = Vec::new();
    for l in s.locations {
        for line in &p.locations[l as usize].lines {
            let f = &p.functions[line.function as usize];
            out.push(Frame {
                function: f.name.to_string(),
                file: f.filename.to_string(),
                line: line.line,
            });
        }
    }
    out
}

/// The first frame below runtime and standard-library frames; the leaf
/// when the whole stack is standard library.
pub fn first_user_frame(frames: &[Frame]) -> Option<&Frame> {
    frames
        .iter()
        .find(|f| is_user_function(&f.function))
        .or_else(|| frames.iter().find(|f| !f.function.starts_with("runtime.")))
}

/// What the stack says the goroutine waits on, named like the runtime's
/// wait reasons in debug=2 headers.
pub fn wait_from_stack(frames: &[Frame]) -> &'static str {
    for f in frames.iter().take(8) {
        let n = f.function.as_str();
        let w = match n {
            "runtime.chanrecv" | "runtime.chanrecv1" | "runtime.chanrecv2" => "chan receive",
            "runtime.chansend" | "runtime.chansend1" => "chan send",
            "runtime.selectgo" => "select",
            "runtime.block" => "select (no cases)",
            "sync.(*WaitGroup).Wait" => "sync.WaitGroup.Wait",
            "sync.(*Mutex).Lock" | "sync.(*Mutex).lockSlow" => "sync.Mutex.Lock",
            "sync.(*RWMutex).Lock" | "sync.(*RWMutex).RLock" => "sync.RWMutex.Lock",
            "sync.(*Cond).Wait" => "sync.Cond.Wait",
            "internal/poll.runtime_pollWait" | "runtime.netpollblock" => "IO wait",
            "time.Sleep" | "runtime.timeSleep" => "sleep",
            "os/signal.signal_recv" => "syscall",
            "runtime.goroutineProfileWithLabels" | "runtime/pprof.writeGoroutineStacks" => {
                "running"
            }
            "runtime.goyield"
            | "runtime.Gosched"
            | "runtime.asyncPreempt"
            | "runtime.asyncPreempt2" => "runnable",
            _ if n.starts_with("sync.runtime_Semacquire")
                || n.starts_with("sync.runtime_SemacquireMutex") =>
            {
                "semacquire"
            }
            _ if n.starts_with("syscall.") || n.starts_with("internal/syscall") => "syscall",
            _ => continue,
        };
        return w;
    }
    ""
}

/// Waits that healthy programs sit in all day: not reported on their own.
pub fn is_benign_wait(wait: &str) -> bool {
    matches!(
        wait,
        "IO wait"
            | "sleep"
            | "syscall"
            | "running"
            | "runnable"
            | "GC worker (idle)"
            | "GC sweep wait"
            | "GC scavenge wait"
            | "finalizer wait"
            | "force gc (idle)"
            | "timer goroutine (idle)"
            | "preempted"
    ) || wait.starts_with("GC ")
}

/// A goroutine profile (goroutine or goroutineleak), any form.
pub fn is_goroutine_profile(p: &Profile) -> bool {
    matches!(p.kind().as_str(), "goroutine" | "goroutineleak")
}

/// Frames that belong to infrastructure every Go server runs: stacks
/// without the program's own code (net/http keep-alive loops, database/sql
/// openers, signal handling, runtime timers, gRPC transports), and the
/// accept loop under `http.Server.Serve`.
pub fn is_infrastructure(site: &Frame, frames: &[Frame]) -> bool {
    let f = site.function.as_str();
    !is_user_function(f)
        || frames
            .iter()
            .any(|x| x.function == "net/http.(*Server).Serve" || x.function == "runtime.ensureSigM")
}

/// Frames that serve one request: a goroutine with one of these on its
/// stack is handling a request now; a function seen above one of them is
/// a handler.
pub fn is_handler_frame(func: &str) -> bool {
    matches!(
        func,
        "net/http.(*conn).serve"
            | "net/http.serverHandler.ServeHTTP"
            | "net/http.HandlerFunc.ServeHTTP"
            | "net/http.(*ServeMux).ServeHTTP"
            | "net/http.(*http2serverConn).runHandler"
            | "golang.org/x/net/http2.(*serverConn).runHandler"
            | "google.golang.org/grpc.(*Server).handleStream"
            | "google.golang.org/grpc.(*Server).processUnaryRPC"
            | "google.golang.org/grpc.(*Server).processStreamingRPC"
    )
}

/// The goroutine's entry function: its outermost frame.
pub fn entry_function(frames: &[Frame]) -> Option<&str> {
    frames
        .iter()
        .rev()
        .find(|f| f.function != "runtime.goexit" && f.function != "runtime.main")
        .map(|f| f.function.as_str())
}

/// The function a closure is defined in (`pkg.F.func1` -> `pkg.F`), or the
/// name itself.
pub fn enclosing_function(name: &str) -> &str {
    let mut name = name;
    while let Some(i) = name.rfind('.') {
        let suffix = &name[i + 1..];
        let is_closure = (suffix.starts_with("func") || suffix.starts_with("gowrap"))
            && suffix.len() > 4
            && suffix[4..].chars().all(|c| c.is_ascii_digit() || c == '.')
            || suffix.chars().all(|c| c.is_ascii_digit());
        if is_closure {
            name = &name[..i];
        } else {
            break;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_frames() {
        assert!(is_user_function("main.searchHandler.func1"));
        assert!(is_user_function("github.com/acme/svc.(*S).Run"));
        assert!(!is_user_function("net/http.(*conn).serve"));
        assert!(!is_user_function("internal/poll.runtime_pollWait"));
        assert!(!is_user_function(
            "golang.org/x/net/http2.(*serverConn).serve"
        ));
    }

    #[test]
    fn entries_and_closures() {
        let f = |n: &str| Frame {
            function: n.into(),
            file: String::new(),
            line: 0,
        };
        assert_eq!(
            entry_function(&[f("runtime.gopark"), f("main.worker"), f("runtime.goexit")]),
            Some("main.worker")
        );
        assert_eq!(
            enclosing_function("main.searchHandler.func1"),
            "main.searchHandler"
        );
        assert_eq!(enclosing_function("main.(*S).run.func2.1"), "main.(*S).run");
        assert_eq!(enclosing_function("main.worker"), "main.worker");
        assert!(!is_user_function(
            "google.golang.org/grpc/internal/transport.(*http2Client).reader"
        ));
    }
}
