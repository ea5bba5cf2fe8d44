//! With the `embed-site` feature, the page (`dist/`, written by
//! `trunk build`; `make cli` does both) is built into the binary for
//! `leakscope web`: one file to install, and the page is the same build as
//! the static site. Without the feature the binary builds anywhere (no
//! dist/ needed) and `leakscope web` says how to get the page.
//! `LEAKSCOPE_DIST` names another site folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("site.rs");
    println!("cargo:rerun-if-env-changed=LEAKSCOPE_DIST");
    let mut code = String::from("/// The page's files (path, bytes), from `dist/` at build time.\npub static SITE: &[(&str, &[u8])] = &[\n");
    if std::env::var_os("CARGO_FEATURE_EMBED_SITE").is_some() {
        let dist = std::env::var_os("LEAKSCOPE_DIST")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"));
        // A directory here is scanned whole for changes.
        println!("cargo:rerun-if-changed={}", dist.display());
        let dist = dist.canonicalize().unwrap_or_else(|_| {
            panic!(
                "the embed-site feature needs the page in {}: run `make build` (trunk build) first, \
                 or build without --features embed-site",
                dist.display()
            )
        });
        let mut files = Vec::new();
        walk(&dist, &mut files);
        // The build script is not in the wasm: std's sort is fine here.
        #[allow(clippy::disallowed_methods)]
        files.sort();
        assert!(
            files.iter().any(|f| f.ends_with("index.html")),
            "{} has no index.html: run `make build` first",
            dist.display()
        );
        for f in files {
            let rel = f.strip_prefix(&dist).unwrap();
            let rel = rel
                .to_str()
                .expect("site paths are UTF-8")
                .replace('\\', "/");
            writeln!(
                code,
                "    ({rel:?}, include_bytes!({:?})),",
                f.display().to_string()
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    std::fs::write(out, code).unwrap();
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}
