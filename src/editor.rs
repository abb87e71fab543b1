//! Editing a draft in the rep's editor, as git does: `$VISUAL`, else `$EDITOR`, else `vi`,
//! run through the shell (so `code --wait` works) on a private temporary file.

use std::io::Write;
use std::process::Command;

use crate::app::outreach::EditJob;

/// The editor command line.
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// Run the editor on the draft (the terminal is the editor's meanwhile) and return the text
/// it left, or why there is none. A final line break the editor added is dropped.
pub fn run(job: &EditJob) -> Result<String, String> {
    let mut path = std::env::temp_dir();
    path.push(format!(
        "lead-triage-{}-{}.txt",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut file = o
        .open(&path)
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    file.write_all(job.text.as_bytes())
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    drop(file);
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{} \"$1\"", editor()))
        .arg("sh")
        .arg(&path)
        .status();
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(st) if st.success() => {}
        Ok(st) => {
            return Err(format!(
                "the editor exited with {st}; the draft is unchanged"
            ));
        }
        Err(e) => return Err(format!("could not start the editor: {e}")),
    }
    let mut text = text.map_err(|e| format!("could not read the edited draft: {e}"))?;
    if !job.text.ends_with('\n') && text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    // What a draft may hold (as the boundary keeps Puffle's): a longer edit is refused, not
    // cut without a word.
    let max = crate::text::MAX_TEXT_CHARS;
    if text.chars().count() > max || text.lines().count() > 100 {
        return Err(format!(
            "the edited draft is longer than {max} characters or 100 lines; the draft is unchanged"
        ));
    }
    Ok(crate::text::sanitize_text(&text, max))
}
