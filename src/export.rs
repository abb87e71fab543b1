//! Writing leads to CSV or JSON (`leads list --format csv`, and `e` / `E` in the TUI).
//!
//! CSV cells are quoted when needed, and a cell that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`: lead data comes from the
//! internet. The rule is [`crate::text::defuse_formula`], shared with the TSV listing. Files
//! are created with mode 0600: they hold names and emails.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::api::Lead;

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The CSV header.
pub const CSV_HEADER: &str =
    "id,status,name,company,headline,email,domain,linkedin_url,signals,top_score";

/// One CSV cell: quoted if it holds a comma, a quote or a line break; defused if a
/// spreadsheet would read it as a formula.
pub fn csv_cell(s: &str) -> String {
    let defused = crate::text::defuse_formula(s);
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused.into_owned()
    }
}

/// One lead as a CSV line (without the line break).
pub fn csv_row(l: &Lead) -> String {
    let opt = |s: Option<&str>| csv_cell(s.unwrap_or(""));
    [
        l.id.to_string(),
        l.status.to_string(),
        csv_cell(&l.name),
        opt(l.company_name()),
        opt(l.headline()),
        opt(l.email()),
        opt(l.company.as_ref().and_then(|c| c.domain.as_deref())),
        opt(l.person.as_ref().and_then(|p| p.linkedin_url.as_deref())),
        l.signal_count.to_string(),
        l.top_score.map(|s| s.to_string()).unwrap_or_default(),
    ]
    .join(",")
}

/// Write leads in a format.
pub fn write(out: &mut impl Write, leads: &[Lead], format: Format) -> std::io::Result<()> {
    match format {
        Format::Csv => {
            writeln!(out, "{CSV_HEADER}")?;
            for l in leads {
                writeln!(out, "{}", csv_row(l))?;
            }
        }
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Out<'a> {
                leads: &'a [Lead],
            }
            serde_json::to_writer_pretty(&mut *out, &Out { leads })
                .map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

/// Write leads to a new file in `dir`, named after the view and the time, with mode 0600;
/// returns its path.
pub fn to_file(dir: &Path, view: &str, leads: &[Lead], format: Format) -> std::io::Result<PathBuf> {
    let stamp = crate::store::unix_now();
    let mut path = dir.join(format!("lead-triage-{view}-{stamp}.{}", format.extension()));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!(
            "lead-triage-{view}-{stamp}-{n}.{}",
            format.extension()
        ));
        n += 1;
    }
    let file = crate::fsperm::create_new_private(&path)?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w, leads, format)?;
    Ok(std::path::absolute(&path).unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("@cmd"), "'@cmd");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_cell("Brennan-Okafor"), "Brennan-Okafor");
    }

    fn example_leads() -> Vec<Lead> {
        crate::api::parse::leads_page(include_bytes!(
            "../crates/puffle-api/tests/fixtures/leads-page.json"
        ))
        .unwrap()
        .leads
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn exported_files_are_0600() {
        let dir = tempfile::tempdir().unwrap();
        let a = to_file(dir.path(), "person", &example_leads(), Format::Csv).unwrap();
        let b = to_file(dir.path(), "person", &example_leads(), Format::Json).unwrap();
        let c = to_file(dir.path(), "person", &example_leads(), Format::Csv).unwrap();
        assert_ne!(a, c, "a second export in the same second gets its own name");
        for p in [&a, &b, &c] {
            assert_eq!(mode(p), 0o600, "{}", p.display());
        }
    }

    /// Runs in a child process with umask 0 (see below): export into `LT_EXPORT_DIR`.
    #[cfg(unix)]
    #[test]
    fn umask_child_exports() {
        let Some(dir) = std::env::var_os("LT_EXPORT_DIR") else {
            return;
        };
        to_file(Path::new(&dir), "person", &example_leads(), Format::Csv).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn exports_are_0600_even_with_umask_0() {
        let dir = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 000 && exec \"$0\" --exact export::tests::umask_child_exports --test-threads 1")
            .arg(&exe)
            .env("LT_EXPORT_DIR", dir.path())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        // Control: a plain file made in the same child setting would be 0666.
        let control = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 000 && : > \"$0\"")
            .arg(dir.path().join("control"))
            .status()
            .unwrap();
        assert!(control.success());
        assert_eq!(mode(&dir.path().join("control")), 0o666);
        let exported: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        assert_eq!(exported.len(), 1, "{exported:?}");
        assert_eq!(mode(&exported[0]), 0o600);
    }

    #[test]
    fn the_example_page_exports() {
        let page = crate::api::parse::leads_page(include_bytes!(
            "../crates/puffle-api/tests/fixtures/leads-page.json"
        ))
        .unwrap();
        let mut csv = Vec::new();
        write(&mut csv, &page.leads, Format::Csv).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[0], CSV_HEADER);
        assert!(lines[1].starts_with(
            "dde45278-8ffc-4934-b480-d8ebf87e5430,unknown,Zoë Brennan-Okafor,Lumenlake,"
        ));
        let mut json = Vec::new();
        write(&mut json, &page.leads, Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["leads"].as_array().unwrap().len(), 5);
    }
}
