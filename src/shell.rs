//! Running the rep's own shell commands on leads (`Effect::Pipe`, see `app::pipe`): `sh -c`
//! with the leads as JSON lines (one lead per line, the JSON export's shape) in a private
//! temporary file named by `$LEAD_TRIAGE_LEADS`, removed afterwards. A piped command also
//! gets them on its stdin, and its stdout and stderr (one pipe, so their lines keep their
//! order) are read for the last lines the toast shows. An interactive one keeps the
//! terminal's stdin, stdout and stderr (the TUI hands the terminal over, `tui.rs`).
//!
//! Blocking: the runner calls [`run_piped`] on a blocking thread, never on the UI thread.
//! Nothing here panics; every failure is an [`Ended::Failed`].

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::api::Lead;
use crate::app::pipe::{Ended, PipeDone, PipeJob, TAIL_LINES};

/// The variable that names the file of leads.
pub const LEADS_VAR: &str = "LEAD_TRIAGE_LEADS";

/// Most output kept to find the last lines in (the rest is read and dropped).
const KEEP_BYTES: usize = 64 * 1024;

/// The leads as JSON lines.
pub fn json_lines(leads: &[Lead]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in leads {
        // A `Lead` is plain data: serialising it to memory cannot fail; skip it if it did.
        if serde_json::to_writer(&mut out, l).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

/// A private temporary file of leads, removed when dropped.
struct LeadsFile(PathBuf);

impl LeadsFile {
    fn new(data: &[u8]) -> std::io::Result<LeadsFile> {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "lead-triage-leads-{}-{n}-{}.jsonl",
            std::process::id(),
            crate::store::unix_now()
        ));
        let file = LeadsFile(path);
        let mut f = crate::fsperm::create_new_private(&file.0)?;
        f.write_all(data)?;
        f.flush()?;
        Ok(file)
    }
}

impl Drop for LeadsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn done(job: &PipeJob, ended: Ended, tail: Vec<String>) -> PipeDone {
    PipeDone {
        label: job.label.clone(),
        count: job.leads.len(),
        ended,
        tail,
    }
}

fn ended(status: ExitStatus) -> Ended {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ended::Code(code),
        (None, Some(sig)) => Ended::Signal(sig),
        (None, None) => Ended::Failed(status.to_string()),
    }
}

/// The last `TAIL_LINES` lines of `out` that hold something.
fn tail(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut lines: Vec<String> = (text.lines().rev())
        .filter(|l| !l.trim().is_empty())
        .take(TAIL_LINES)
        .map(str::to_owned)
        .collect();
    lines.reverse();
    lines
}

/// Run a piped command: leads on stdin and in `$LEAD_TRIAGE_LEADS`, output captured.
pub fn run_piped(job: &PipeJob) -> PipeDone {
    match piped(job) {
        Ok((status, out)) => done(job, ended(status), tail(&out)),
        Err(e) => done(job, Ended::Failed(e.to_string()), Vec::new()),
    }
}

fn piped(job: &PipeJob) -> std::io::Result<(ExitStatus, Vec<u8>)> {
    let data = json_lines(&job.leads);
    let file = LeadsFile::new(&data)?;
    let (mut reader, writer) = std::io::pipe()?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(&job.command)
        .env(LEADS_VAR, &file.0)
        .stdin(Stdio::piped())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = cmd.spawn()?;
    // Our copies of the pipe's write end go with the command, so the read ends with the
    // command's output.
    drop(cmd);
    let stdin = child.stdin.take();
    // Written beside the reading, so a command that writes much before it reads all its
    // input cannot block on a full pipe while we block on its stdin.
    let feeder = std::thread::Builder::new()
        .name("pipe-stdin".into())
        .spawn(move || {
            if let Some(mut stdin) = stdin {
                // A command that does not read its input closes the pipe: not an error.
                let _ = stdin.write_all(&data);
            }
        });
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > 2 * KEEP_BYTES {
                    out.drain(..out.len() - KEEP_BYTES);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if let Ok(feeder) = feeder {
        let _ = feeder.join();
    }
    let status = child.wait()?;
    drop(file);
    Ok((status, out))
}

/// Run an interactive command with the terminal (the caller has handed it over): stdin,
/// stdout and stderr are the terminal's; the leads are in `$LEAD_TRIAGE_LEADS`.
pub fn run_interactive(job: &PipeJob) -> PipeDone {
    let run = || -> std::io::Result<ExitStatus> {
        let file = LeadsFile::new(&json_lines(&job.leads))?;
        let status = Command::new("sh")
            .arg("-c")
            .arg(&job.command)
            .env(LEADS_VAR, &file.0)
            .status()?;
        drop(file);
        Ok(status)
    };
    match run() {
        Ok(status) => done(job, ended(status), Vec::new()),
        Err(e) => done(job, Ended::Failed(e.to_string()), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(command: &str) -> PipeJob {
        PipeJob {
            label: "t".into(),
            command: command.into(),
            leads: Vec::new(),
            interactive: false,
        }
    }

    #[test]
    fn output_and_status_come_back_and_the_file_is_removed() {
        let d = run_piped(&job(
            "echo one; echo two >&2; printf '%s\\n' \"$LEAD_TRIAGE_LEADS\"; echo four; exit 3",
        ));
        assert_eq!(d.ended, Ended::Code(3));
        assert_eq!(d.tail.len(), 3, "{:?}", d.tail);
        assert_eq!(d.tail[0], "two");
        assert!(d.tail[1].contains("lead-triage-leads-"), "{:?}", d.tail);
        assert_eq!(d.tail[2], "four");
        assert!(!std::path::Path::new(&d.tail[1]).exists(), "removed after");
    }

    #[test]
    fn a_command_that_ignores_its_input_is_fine() {
        let mut j = job("exit 0");
        j.leads = Vec::new();
        assert_eq!(run_piped(&j).ended, Ended::Code(0));
        let d = run_piped(&job("kill -9 $$"));
        assert_eq!(d.ended, Ended::Signal(9));
    }
}
