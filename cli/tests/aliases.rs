//! pprof's flag spellings: each alias, single or double dash, with `=` or
//! a space, prints exactly what leakscope's long flag prints.

mod common;
#[path = "../src/pprof_flags.rs"]
#[allow(dead_code)]
mod pprof_flags;

use common::{fx, run};

/// The long flags each command has, from its --help.
fn has_flag(cmd: &str, long: &str) -> bool {
    let (_, help, _) = run(&[cmd, "--help"]);
    help.lines().any(|l| {
        l.trim_start()
            .split([',', ' ', '='])
            .any(|w| w == format!("--{long}"))
    })
}

#[test]
fn every_alias_prints_what_the_long_flag_prints() {
    let heap = fx("h1-substring-retention/heap-3.pb.gz")
        .display()
        .to_string();
    let heap0 = fx("h1-substring-retention/heap-0.pb.gz")
        .display()
        .to_string();
    let cpu = fx("j-cpu-profile/cpu.pb.gz").display().to_string();
    let src = fx("j-cpu-profile").display().to_string();
    // A value per flag that changes the output of the command tried.
    let value = |long: &str| -> Option<&str> {
        Some(match long {
            "sample-index" => "alloc_space",
            "nodecount" => "3",
            "nodefraction" | "edgefraction" => "0.2",
            "focus" => "main\\.fib",
            "ignore" => "sort",
            "hide" => "^runtime\\.",
            "show" => "main",
            "show-from" => "main\\.main",
            "tagfocus" => "phase=fib",
            "tagignore" => "phase=fib",
            "diff-base" | "base" => heap0.as_str(),
            "granularity" => "lines",
            "source-path" => src.as_str(),
            _ => return None,
        })
    };
    let mut checked = 0;
    for &(pprof, long) in pprof_flags::ALIASES {
        // They act on URL sources and the server: capture.rs and web.rs
        // use these spellings (-seconds, -timeout=1, -no_browser).
        if matches!(long, "seconds" | "timeout" | "no-browser") {
            continue;
        }
        // The first command that has the flag, with a file it suits.
        let Some((cmd, file)) = [
            (
                "top",
                if long == "sample-index" || long.contains("base") {
                    &heap
                } else {
                    &cpu
                },
            ),
            ("list", &cpu),
            ("dot", &cpu),
            ("capture", &cpu),
            ("web", &cpu),
        ]
        .into_iter()
        .find(|(c, _)| has_flag(c, long)) else {
            // Only a flag of a command still to come may be missing.
            assert_eq!(long, "edgefraction", "no command has --{long}");
            let (code, _, err) = run(&["top", &format!("-{pprof}=0.1"), &cpu]);
            assert_eq!(code, 2);
            assert!(err.contains(&format!("'--{long}")), "{err}");
            continue;
        };
        if matches!(cmd, "capture" | "web") {
            // Checked by their own tests (they serve or fetch).
            continue;
        }
        let mut base: Vec<&str> = vec![cmd];
        if cmd == "list" {
            base.push("main\\.fib");
        }
        let run_with = |flag: Vec<String>| {
            let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
            args.extend(flag);
            args.push(file.to_string());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&args)
        };
        let forms: Vec<Vec<String>> = match value(long) {
            Some(v) => vec![
                vec![format!("-{pprof}={v}")],
                vec![format!("-{pprof}"), v.to_string()],
                vec![format!("--{pprof}={v}")],
                vec![format!("--{pprof}"), v.to_string()],
            ],
            None => vec![vec![format!("-{pprof}")], vec![format!("--{pprof}")]],
        };
        let want = run_with(match value(long) {
            Some(v) => vec![format!("--{long}"), v.to_string()],
            None => vec![format!("--{long}")],
        });
        assert_eq!(want.0, 0, "{cmd} --{long}: {}", want.2);
        let plain = run_with(vec![]);
        if long != "tagignore" {
            assert_ne!(
                want.1, plain.1,
                "{cmd} --{long} changes nothing: a useless check"
            );
        }
        for f in forms {
            assert_eq!(run_with(f.clone()), want, "{cmd} {f:?} vs --{long}");
        }
        checked += 1;
    }
    assert!(checked >= 16, "{checked}");
}

#[test]
fn granularity_switches_and_values_left_alone() {
    let cpu = fx("j-cpu-profile/cpu.pb.gz").display().to_string();
    for g in ["lines", "files", "functions", "addresses"] {
        let want = run(&["top", "--granularity", g, &cpu]);
        assert_eq!(want.0, 0);
        assert_eq!(run(&["top", &format!("-{g}"), &cpu]), want, "-{g}");
    }
    // A regex that looks like a flag stays the value of the flag before it.
    let (code, out, err) = run(&["top", "-focus", "-lines", &cpu]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Active filters:\n   focus=-lines"), "{out}");
    // `--` ends the options: what follows is a file, even `-cum`.
    let (code, _, err) = run(&["top", "--", "-cum"]);
    assert_eq!(code, 2);
    assert!(err.contains("-cum: No such file"), "{err}");
}
