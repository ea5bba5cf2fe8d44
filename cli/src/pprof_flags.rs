//! pprof's flag spellings (`-sample_index=alloc_space`, `-focus main`,
//! `--nodecount=10`, `-lines`) rewritten into leakscope's long flags before
//! clap reads the command line. clap takes no single-dash long flags, so
//! this is done on the arguments themselves, and only for the names in
//! [`ALIASES`] and [`GRANULARITIES`]: anything else passes through
//! untouched, and so does every value (the argument after a flag that
//! takes one, and everything after `--`), so a regex such as `-hide` given
//! to `--focus` stays a regex.
//!
//! Which flags take a value is read from clap's own definitions (the
//! `Command` the CLI parses with), so this module holds no second list
//! of them.

use std::ffi::OsString;

/// pprof's name (as `go tool pprof` spells it, after its dash) and the
/// leakscope long flag it stands for.
pub const ALIASES: &[(&str, &str)] = &[
    ("sample_index", "sample-index"),
    ("nodecount", "nodecount"),
    ("nodefraction", "nodefraction"),
    ("edgefraction", "edgefraction"),
    ("focus", "focus"),
    ("ignore", "ignore"),
    ("hide", "hide"),
    ("show", "show"),
    ("show_from", "show-from"),
    ("tagfocus", "tagfocus"),
    ("tagignore", "tagignore"),
    ("diff_base", "diff-base"),
    ("base", "base"),
    ("granularity", "granularity"),
    ("source_path", "source-path"),
    ("cum", "cum"),
    ("noinlines", "noinlines"),
    ("seconds", "seconds"),
    ("timeout", "timeout"),
    ("no_browser", "no-browser"),
];

/// pprof's granularity switches: `-lines` is `--granularity=lines`.
pub const GRANULARITIES: &[&str] = &["functions", "filefunctions", "files", "lines", "addresses"];

/// The arguments with pprof's spellings rewritten; `cmd` is the CLI's
/// clap definition (it says which flags take a value).
pub fn normalize(args: impl IntoIterator<Item = OsString>, cmd: &clap::Command) -> Vec<OsString> {
    let mut args = args.into_iter();
    let mut out: Vec<OsString> = args.next().into_iter().collect();
    let mut sub: Option<&clap::Command> = None;
    let mut value_next = false;
    // A long flag waiting for its value: written `--flag=VALUE`, so a value
    // that starts with a dash (`--focus -lines`) stays a value for clap.
    let mut pending: Option<String> = None;
    let mut rest = false;
    for arg in args {
        if let Some(flag) = pending.take() {
            let mut joined = OsString::from(format!("{flag}="));
            joined.push(&arg);
            out.push(joined);
            continue;
        }
        if rest || value_next {
            value_next = false;
            out.push(arg);
            continue;
        }
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            rest = true;
            out.push(arg);
            continue;
        }
        let (dashes, body) = if let Some(b) = s.strip_prefix("--") {
            (2, b)
        } else if let Some(b) = s.strip_prefix('-').filter(|b| !b.is_empty()) {
            (1, b)
        } else {
            // A positional: the first one names the subcommand.
            if sub.is_none() {
                sub = cmd
                    .get_subcommands()
                    .find(|c| c.get_name() == s || c.get_all_aliases().any(|a| a == s));
            }
            out.push(arg);
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let long = if let Some(&(_, long)) = ALIASES.iter().find(|(p, _)| *p == name) {
            Some(long.to_string())
        } else if dashes == 2 {
            Some(name.to_string())
        } else {
            None
        };
        match long {
            Some(long) if value.is_none() && GRANULARITIES.contains(&long.as_str()) => {
                out.push(format!("--granularity={long}").into());
            }
            Some(long) => match value {
                Some(v) => out.push(format!("--{long}={v}").into()),
                None if takes_value(cmd, sub, |a| a.get_long() == Some(&long)) => {
                    pending = Some(format!("--{long}"));
                }
                None => out.push(format!("--{long}").into()),
            },
            None if dashes == 1 && value.is_none() && GRANULARITIES.contains(&name) => {
                out.push(format!("--granularity={name}").into());
            }
            None => {
                // Short flags: `-o DIR` takes the next argument, `-oDIR` not.
                let mut chars = name.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    value_next = takes_value(cmd, sub, |a| a.get_short() == Some(c));
                }
                out.push(arg);
            }
        }
    }
    // A flag missing its value: clap says so.
    out.extend(pending.map(OsString::from));
    out
}

/// Whether the flag `is` picks takes a value, in the subcommand or as a
/// global flag.
fn takes_value(
    root: &clap::Command,
    sub: Option<&clap::Command>,
    is: impl Fn(&clap::Arg) -> bool,
) -> bool {
    sub.into_iter()
        .chain(std::iter::once(root))
        .flat_map(|c| c.get_arguments())
        .find(|a| is(a))
        .is_some_and(|a| a.get_action().takes_values())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn cmd() -> Command {
        Command::new("leakscope")
            .arg(Arg::new("max").long("max-decompressed-mib").global(true))
            .subcommand(
                Command::new("top")
                    .arg(Arg::new("sample-index").long("sample-index"))
                    .arg(Arg::new("focus").long("focus"))
                    .arg(Arg::new("cum").long("cum").action(ArgAction::SetTrue))
                    .arg(Arg::new("granularity").long("granularity"))
                    .arg(Arg::new("show-from").long("show-from"))
                    .arg(Arg::new("file")),
            )
            .subcommand(
                Command::new("capture")
                    .arg(Arg::new("out").short('o').long("out"))
                    .arg(Arg::new("url").num_args(1..)),
            )
    }

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(
            std::iter::once("leakscope")
                .chain(args.iter().copied())
                .map(OsString::from),
            &cmd(),
        )
        .into_iter()
        .skip(1)
        .map(|a| a.into_string().unwrap())
        .collect()
    }

    #[test]
    fn pprof_spellings_become_long_flags() {
        assert_eq!(
            norm(&["top", "-sample_index=alloc_space", "-focus", "main", "f"]),
            ["top", "--sample-index=alloc_space", "--focus=main", "f"]
        );
        assert_eq!(
            norm(&[
                "top",
                "--sample_index",
                "x",
                "-show_from=a",
                "-cum",
                "-lines",
                "f"
            ]),
            [
                "top",
                "--sample-index=x",
                "--show-from=a",
                "--cum",
                "--granularity=lines",
                "f"
            ]
        );
        // Global flags before the subcommand are read too.
        assert_eq!(
            norm(&["--max-decompressed-mib", "-1", "top", "-focus=x", "f"]),
            ["--max-decompressed-mib=-1", "top", "--focus=x", "f"]
        );
    }

    #[test]
    fn values_and_the_rest_are_left_alone() {
        // A regex that looks like a pprof flag is a value.
        assert_eq!(
            norm(&["top", "--focus", "-hide", "-focus", "-lines", "f"]),
            ["top", "--focus=-hide", "--focus=-lines", "f"]
        );
        assert_eq!(
            norm(&["top", "f", "--", "-focus", "-lines"]),
            ["top", "f", "--", "-focus", "-lines"]
        );
        // A flag at the end, missing its value, is left for clap to report.
        assert_eq!(norm(&["top", "f", "-focus"]), ["top", "f", "--focus"]);
        // Short flags with a value, unknown single-dash words, `-` (stdin).
        assert_eq!(
            norm(&["capture", "-o", "-focus", "-x", "-", "-oDIR", "-focus", "y"]),
            ["capture", "-o", "-focus", "-x", "-", "-oDIR", "--focus", "y"]
        );
    }

    #[test]
    fn every_alias_maps_to_a_long_flag_once() {
        for (p, long) in ALIASES {
            assert!(!long.contains('_') && !long.starts_with('-'), "{p}");
            assert_eq!(ALIASES.iter().filter(|(q, _)| q == p).count(), 1, "{p}");
        }
    }
}
