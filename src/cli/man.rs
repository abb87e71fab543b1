//! `lead-triage man`: one self-contained man page in roff. Options and every command with its
//! options come from the command-line definition, the key bindings from the embedded default
//! keymap, configuration and environment from the same tables as `--help`. It names no other
//! man page.

use clap::{Arg, Command, CommandFactory};
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use super::{Cli, ENVIRONMENT, EXIT_CODES};
use crate::keymap::{Keymap, chord_label};

/// The whole page, as roff source. Long on purpose: it is the page's text, section by section.
pub fn page() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let name = cmd.get_name().to_owned();
    let version = cmd.get_version().unwrap_or_default().to_owned();
    let mut r = Roff::new();
    r.control(
        "TH",
        [
            "LEAD-TRIAGE",
            "1",
            // No date (the page must not change from build to build): an empty argument.
            "\"\"",
            &format!("{name} {version}"),
            "User Commands",
        ],
    );

    // No hyphenation: the page is full of paths and option names.
    r.control("nh", []);
    r.control("SH", ["NAME"]);
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    r.text([roman(format!("{name} - {about}"))]);

    let leaves = leaf_commands(&cmd);
    r.control("SH", ["SYNOPSIS"]);
    r.text([
        bold(name.as_str()),
        roman(" ["),
        italic("OPTIONS"),
        roman("]"),
    ]);
    for (path, sub) in &leaves {
        r.control("br", []);
        r.text(synopsis(&name, path, sub));
    }

    r.control("SH", ["DESCRIPTION"]);
    r.text([roman(
        "Without a command, lead-triage opens a terminal app in which Puffle signal leads are \
         triaged from the keyboard: move, select many, and mark them new, contacted or \
         dismissed with one key. Changes show at once, are kept in a local outbox until Puffle \
         confirmed them, and are sent in batched PATCH /api/signals/leads calls of at most 200 \
         items.",
    )]);
    r.control("PP", []);
    r.text([roman(
        "The commands below work without the terminal app, from scripts, like Puffle's own \
         CLI. With --demo, the app or the command runs against a built-in Puffle-compatible \
         server with generated data, with no account and no key.",
    )]);

    r.control("SH", ["OPTIONS"]);
    let args: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    r.text([roman("Given before or after the command:")]);
    options(
        &mut r,
        args.iter()
            .copied()
            .filter(|a| a.is_global_set() || a.get_id() == "help"),
    );
    r.control("PP", []);
    r.text([roman(
        "Given before any command (they apply to the terminal app):",
    )]);
    options(
        &mut r,
        args.iter()
            .copied()
            .filter(|a| !a.is_global_set() && a.get_id() != "help"),
    );

    r.control("SH", ["COMMANDS"]);
    for (path, sub) in &leaves {
        // The heading on the next line, where its dashes are escaped (`\-`, not a hyphen).
        r.control("SS", []);
        r.text([roman(format!("{name} {path}"))]);
        r.text(synopsis(&name, path, sub));
        if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
            r.control("PP", []);
            r.text([roman(about.to_string())]);
        }
        options(&mut r, own_args(sub));
    }

    key_bindings(&mut r);

    r.control("SH", ["CONFIGURATION"]);
    r.text([
        roman("The file "),
        bold("$XDG_CONFIG_HOME/lead-triage/config.toml"),
        roman(
            " (or --config PATH) is optional, and so is every key in it. An unknown key or a \
             wrong type is an error that names the file and the line. Precedence: command line, \
             then environment, then this file, then the defaults.",
        ),
    ]);
    for (key, meaning) in super::config_keys() {
        r.control("TP", []);
        r.text([bold(key)]);
        r.text([roman(meaning)]);
    }

    r.control("SH", ["FILES"]);
    let files: [(&str, &str); 4] = [
        (
            "$XDG_CONFIG_HOME/lead-triage/config.toml",
            "The configuration file (see CONFIGURATION); --config chooses another. Without \
             XDG_CONFIG_HOME: ~/.config/lead-triage/config.toml.",
        ),
        (
            "$XDG_CONFIG_HOME/lead-triage/keymap.toml",
            "Key bindings that replace the defaults per action (see KEY BINDINGS).",
        ),
        (
            "$XDG_STATE_HOME/lead-triage/lead-triage.log",
            "The log (mode 0600); --log-file chooses another. Without XDG_STATE_HOME: \
             ~/.local/state/lead-triage/lead-triage.log. Nothing is logged to the terminal.",
        ),
        (
            "$XDG_DATA_HOME/lead-triage/store-*.sqlite3",
            "The outbox (changes not yet confirmed by Puffle) and the cache of the last listing: \
             one SQLite file per base URL and account, named after a fingerprint of the key, \
             never the key; --demo has a file of its own. --data-dir chooses the directory. \
             Without XDG_DATA_HOME: ~/.local/share/lead-triage/.",
        ),
    ];
    for (path, meaning) in files {
        r.control("TP", []);
        r.text([italic(path)]);
        r.text([roman(meaning)]);
    }

    r.control("SH", ["ENVIRONMENT"]);
    let xdg: [(&str, &str); 4] = [
        ("XDG_CONFIG_HOME", "where the configuration and keymap live"),
        ("XDG_STATE_HOME", "where the log lives"),
        ("XDG_DATA_HOME", "where the outbox and cache live"),
        (
            "HOME",
            "the base of the defaults when an XDG variable is unset",
        ),
    ];
    for (var, meaning) in ENVIRONMENT.iter().copied().chain(xdg) {
        r.control("TP", []);
        r.text([bold(var)]);
        r.text([roman(meaning)]);
    }

    r.control("SH", ["EXIT STATUS"]);
    r.text([roman(
        "The terminal app exits 0, or 2 when it cannot start. The headless commands:",
    )]);
    for (code, meaning) in EXIT_CODES {
        r.control("TP", []);
        r.text([bold(*code)]);
        r.text([roman(*meaning)]);
    }

    r.control("SH", ["EXAMPLES"]);
    let examples = [
        "lead-triage --demo",
        "lead-triage --demo leads list --format tsv",
        "export PUFFLE_API_KEY=pk_live_...",
        "lead-triage leads list --format tsv | head",
        "lead-triage leads set contacted ID...",
        "cut -f1 ids.tsv | lead-triage leads set dismissed -",
        "lead-triage man > ~/.local/share/man/man1/lead-triage.1",
    ];
    r.control("PP", []);
    r.control("nf", []);
    r.control("RS", ["4"]);
    for e in examples {
        r.text([roman(e)]);
    }
    r.control("RE", []);
    r.control("fi", []);

    ascii_only(&r.render())
}

/// The page with every non-ASCII character written in ASCII (`...`) or as a roff escape
/// (`\(en`, `\[u00E9]`), so it reads the same whatever encoding the formatter assumes.
fn ascii_only(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    for c in roff.chars() {
        match c {
            _ if c.is_ascii() => out.push(c),
            '…' => out.push_str("..."),
            '–' => out.push_str("\\(en"),
            '—' => out.push_str("\\(em"),
            _ => out.push_str(&format!("\\[u{:04X}]", u32::from(c))),
        }
    }
    out
}

/// Every command that runs something (`leads list`, `sync`, …), with its path below the root.
fn leaf_commands(cmd: &Command) -> Vec<(String, &Command)> {
    fn walk<'a>(prefix: &str, cmd: &'a Command, out: &mut Vec<(String, &'a Command)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name() == "help" {
                continue;
            }
            let path = if prefix.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{prefix} {}", sub.get_name())
            };
            if sub.has_subcommands() {
                walk(&path, sub, out);
            } else {
                out.push((path, sub));
            }
        }
    }
    let mut out = Vec::new();
    walk("", cmd, &mut out);
    out
}

/// The arguments a command has of its own: not the global ones, not `--help`, not hidden.
fn own_args(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_id() != "help")
}

fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

fn is_multiple(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|r| r.max_values() > 1)
}

/// `lead-triage leads set <STATUS> <IDS>... [--concurrency <CONCURRENCY>]`.
fn synopsis(name: &str, path: &str, cmd: &Command) -> Vec<Inline> {
    let mut line = vec![bold(format!("{name} {path}"))];
    for arg in own_args(cmd).filter(|a| a.is_positional()) {
        let dots = if is_multiple(arg) { "..." } else { "" };
        line.push(roman(" "));
        line.push(italic(format!("{}{dots}", value_name(arg))));
    }
    for arg in own_args(cmd).filter(|a| !a.is_positional()) {
        let Some(long) = arg.get_long() else { continue };
        let (open, close) = if arg.is_required_set() {
            ("", "")
        } else {
            ("[", "]")
        };
        line.push(roman(format!(" {open}")));
        line.push(bold(format!("--{long}")));
        if arg.get_action().takes_values() {
            line.push(roman(" "));
            line.push(italic(value_name(arg)));
        }
        line.push(roman(close));
    }
    line
}

/// One `.TP` paragraph per argument: its flags and value, then its help, default, possible
/// values and environment variable.
fn options<'a>(r: &mut Roff, args: impl Iterator<Item = &'a Arg>) {
    for arg in args {
        let mut head = Vec::new();
        if arg.is_positional() {
            let dots = if is_multiple(arg) { "..." } else { "" };
            head.push(italic(format!("{}{dots}", value_name(arg))));
        } else {
            if let Some(short) = arg.get_short() {
                head.push(bold(format!("-{short}")));
                if arg.get_long().is_some() {
                    head.push(roman(", "));
                }
            }
            if let Some(long) = arg.get_long() {
                head.push(bold(format!("--{long}")));
            }
            if arg.get_action().takes_values() {
                head.push(roman(" "));
                head.push(italic(value_name(arg)));
            }
        }
        let mut body = arg
            .get_long_help()
            .or_else(|| arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        if !body.is_empty() && !body.ends_with(['.', '!', '?']) {
            body.push('.');
        }
        if arg.get_action().takes_values() {
            let possible: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            if !possible.is_empty() {
                body.push_str(&format!(" One of: {}.", possible.join(", ")));
            }
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            if !defaults.is_empty() && !arg.is_hide_default_value_set() {
                body.push_str(&format!(" Default: {}.", defaults.join(", ")));
            }
        }
        if let Some(env) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
            body.push_str(&format!(" Environment: {}.", env.to_string_lossy()));
        }
        r.control("TP", []);
        r.text(head);
        r.text([roman(body.trim().to_owned())]);
    }
}

/// The default key bindings, grouped as in the help overlay.
fn key_bindings(r: &mut Roff) {
    let keymap = Keymap::default_keymap();
    r.control("SH", ["KEY BINDINGS"]);
    r.text([
        roman("The keys of the terminal app by default. A file "),
        bold("$XDG_CONFIG_HOME/lead-triage/keymap.toml"),
        roman(
            " with the layout of the built-in keymap remaps them: a binding given for an action \
             replaces that action's default keys, every other default stays. Unknown keys, \
             unknown actions and duplicate bindings are errors that name the file and the line. \
             C- is Ctrl, S- is Shift; \"* i\" is a chord: press *, then i. Inside the app, ? \
             lists every binding.",
        ),
    ]);
    let mut groups: Vec<&str> = Vec::new();
    for b in keymap.bindings() {
        if !groups.contains(&b.group.as_str()) {
            groups.push(&b.group);
        }
    }
    for group in groups {
        r.control("SS", [group]);
        for b in keymap.bindings().iter().filter(|b| b.group == group) {
            if b.keys.is_empty() {
                continue;
            }
            let mut head = Vec::new();
            for (i, chord) in b.keys.iter().enumerate() {
                if i > 0 {
                    head.push(roman(", "));
                }
                head.push(bold(plain_arrows(&chord_label(chord))));
            }
            r.control("TP", []);
            r.text(head);
            r.text([roman(b.desc.as_str())]);
        }
    }
}

/// Arrow glyphs as words, which every man pager can show.
fn plain_arrows(label: &str) -> String {
    label
        .replace('↑', "Up")
        .replace('↓', "Down")
        .replace('←', "Left")
        .replace('→', "Right")
}
