//! Writing leads to CSV or JSON (`leads list --format csv`, and `e` / `E` in the TUI).
//!
//! CSV is written by the `csv` crate (cells quoted when they hold a comma, a quote or a line
//! break), and a cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
//! `@`, tab or CR) is first prefixed with `'`: lead data comes from the internet. The rule is
//! [`crate::text::defuse_formula`], shared with the TSV listings, which [`tsv_writer`] writes.
//! Files are created with mode 0600: they hold names and emails.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::api::Lead;
use crate::text::defuse_formula;

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

/// A CSV writer: comma-separated, quoted where needed, `\n` after each record.
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().from_writer(out)
}

/// A TSV writer: tab-separated, never quoted, `\n` after each record. Every text cell must
/// have gone through [`crate::text::tsv_cell`] (which leaves no tab or line break in it).
pub fn tsv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(b'\t')
        .quote_style(csv::QuoteStyle::Never)
        .from_writer(out)
}

/// The I/O error behind a `csv` error, kept as it is (a closed stdout stays
/// [`std::io::ErrorKind::BrokenPipe`]); the writers here make no other kind.
pub fn io_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// One lead's CSV cells, text cells defused.
pub fn csv_record(l: &Lead) -> [Cow<'_, str>; 10] {
    fn opt(s: Option<&str>) -> Cow<'_, str> {
        defuse_formula(s.unwrap_or(""))
    }
    [
        l.id.to_string().into(),
        l.status.to_string().into(),
        defuse_formula(&l.name),
        opt(l.company_name()),
        opt(l.headline()),
        opt(l.email()),
        opt(l.company.as_ref().and_then(|c| c.domain.as_deref())),
        opt(l.person.as_ref().and_then(|p| p.linkedin_url.as_deref())),
        l.signal_count.to_string().into(),
        l.top_score
            .map(|s| s.to_string())
            .unwrap_or_default()
            .into(),
    ]
}

/// Write the CSV header and one record per lead.
pub fn write_csv<'a>(
    out: &mut impl Write,
    leads: impl IntoIterator<Item = &'a Lead>,
) -> std::io::Result<()> {
    let mut w = csv_writer(out);
    w.write_record(CSV_HEADER.split(',')).map_err(io_error)?;
    for l in leads {
        w.write_record(csv_record(l).iter().map(|c| c.as_bytes()))
            .map_err(io_error)?;
    }
    w.flush()
}

/// Write leads in a format.
pub fn write(out: &mut impl Write, leads: &[Lead], format: Format) -> std::io::Result<()> {
    match format {
        Format::Csv => write_csv(out, leads)?,
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

    /// One cell as the CSV writer writes it (in a row of two, so an empty cell stays empty).
    fn csv_cell(s: &str) -> String {
        let mut out = Vec::new();
        let mut w = csv_writer(&mut out);
        w.write_record([defuse_formula(s).as_ref(), "x"]).unwrap();
        drop(w);
        let line = String::from_utf8(out).unwrap();
        line.strip_suffix(",x\n").unwrap().to_owned()
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
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
