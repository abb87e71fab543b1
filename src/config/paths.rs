//! Where the app keeps its files: one rule for the configuration, data and state directories.
//!
//! `$XDG_CONFIG_HOME`, `$XDG_DATA_HOME` or `$XDG_STATE_HOME` when set to an absolute path (a
//! relative or empty value is ignored, as the XDG Base Directory spec says), else `~/.config`,
//! `~/.local/share` or `~/.local/state` under a non-empty `$HOME`, each with `lead-triage`
//! appended. With neither, there is no directory: the caller decides (the configuration and
//! data fall back to a path relative to the working directory, the log is not written).

use std::ffi::OsStr;
use std::path::PathBuf;

/// The app's directory name under each base directory.
pub const APP_DIR: &str = "lead-triage";

/// One kind of XDG base directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    Config,
    Data,
    State,
}

impl Base {
    /// The environment variable that overrides it.
    pub fn var(self) -> &'static str {
        match self {
            Base::Config => "XDG_CONFIG_HOME",
            Base::Data => "XDG_DATA_HOME",
            Base::State => "XDG_STATE_HOME",
        }
    }

    /// Its default under the home directory.
    pub fn home_default(self) -> &'static str {
        match self {
            Base::Config => ".config",
            Base::Data => ".local/share",
            Base::State => ".local/state",
        }
    }
}

/// The app's directory for `base`, given the values of its XDG variable and of `$HOME` (a
/// pure function, so it is tested without touching the process environment).
pub fn resolve(base: Base, xdg: Option<&OsStr>, home: Option<&OsStr>) -> Option<PathBuf> {
    let from_xdg = xdg.map(PathBuf::from).filter(|p| p.is_absolute());
    let from_home = || {
        home.filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(base.home_default()))
    };
    from_xdg.or_else(from_home).map(|p| p.join(APP_DIR))
}

/// The app's directory for `base` from this process's environment.
pub fn app_dir(base: Base) -> Option<PathBuf> {
    let xdg = std::env::var_os(base.var());
    let home = std::env::var_os("HOME");
    resolve(base, xdg.as_deref(), home.as_deref())
}

/// [`app_dir`], or the home default relative to the working directory when neither the XDG
/// variable nor `$HOME` gives one (for the configuration and the data, which are needed).
pub fn app_dir_or_relative(base: Base) -> PathBuf {
    app_dir(base).unwrap_or_else(|| PathBuf::from(base.home_default()).join(APP_DIR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(base: Base, xdg: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
        resolve(base, xdg.map(OsStr::new), home.map(OsStr::new))
    }

    #[test]
    fn an_absolute_xdg_value_wins() {
        for base in [Base::Config, Base::Data, Base::State] {
            assert_eq!(
                r(base, Some("/x/y"), Some("/home/a")),
                Some(PathBuf::from("/x/y/lead-triage"))
            );
        }
    }

    #[test]
    fn home_defaults_differ_per_base() {
        let got: Vec<_> = [Base::Config, Base::Data, Base::State]
            .into_iter()
            .map(|b| r(b, None, Some("/home/a")))
            .collect();
        assert_eq!(
            got,
            [
                Some(PathBuf::from("/home/a/.config/lead-triage")),
                Some(PathBuf::from("/home/a/.local/share/lead-triage")),
                Some(PathBuf::from("/home/a/.local/state/lead-triage")),
            ]
        );
    }

    #[test]
    fn relative_or_empty_xdg_values_are_ignored() {
        for xdg in ["", "rel/dir", "./x", "~/x"] {
            assert_eq!(
                r(Base::Data, Some(xdg), Some("/h")),
                Some(PathBuf::from("/h/.local/share/lead-triage")),
                "{xdg:?}"
            );
        }
    }

    #[test]
    fn neither_xdg_nor_home_gives_none() {
        assert_eq!(r(Base::State, None, None), None);
        assert_eq!(r(Base::State, Some("relative"), Some("")), None);
        assert_eq!(
            r(Base::Config, Some("/abs"), None),
            Some(PathBuf::from("/abs/lead-triage"))
        );
    }

    /// The environment read by `app_dir` is the child's own (see the test below).
    #[test]
    fn child_prints_app_dirs() {
        if std::env::var_os("LT_PATHS_CHILD").is_none() {
            return;
        }
        for base in [Base::Config, Base::Data, Base::State] {
            println!("LT_PATH {:?} {:?}", base, app_dir(base));
        }
    }

    /// `app_dir` reads the real environment: run in a child with the variables set, since
    /// tests share one process environment.
    #[test]
    fn app_dir_reads_the_environment() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args(["--exact", "config::paths::tests::child_prints_app_dirs"])
            .args(["--nocapture", "--test-threads", "1"])
            .env("LT_PATHS_CHILD", "1")
            .env("HOME", "/home/t")
            .env("XDG_CONFIG_HOME", "/cfg")
            .env("XDG_DATA_HOME", "relative")
            .env_remove("XDG_STATE_HOME")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        // The harness may print its own words on the same line first.
        let lines: Vec<&str> = text
            .lines()
            .filter_map(|l| l.find("LT_PATH ").map(|i| &l[i..]))
            .collect();
        assert_eq!(
            lines,
            [
                "LT_PATH Config Some(\"/cfg/lead-triage\")",
                "LT_PATH Data Some(\"/home/t/.local/share/lead-triage\")",
                "LT_PATH State Some(\"/home/t/.local/state/lead-triage\")",
            ]
        );
    }
}
