//! The `lead-triage` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    lead_triage::commands::main()
}
