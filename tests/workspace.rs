#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The workspace's seams, read from cargo's own dependency tree: the Puffle client carries no
//! terminal or command-line crates, the built-in server does not use the client, and the app
//! without its default `demo` feature carries no server.

use std::process::Command;

/// The crates (names only) of `cargo tree` for one package, normal dependencies only.
fn tree(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn the_puffle_client_has_no_terminal_or_cli_crates() {
    let deps = tree(&["-p", "puffle-api"]);
    assert!(
        deps.iter().any(|d| d == "reqwest"),
        "the tree was read: {deps:?}"
    );
    for banned in [
        "ratatui",
        "crossterm",
        "clap",
        "puffle-demo-server",
        "lead-triage",
    ] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "puffle-api depends on {banned}"
        );
    }
}

#[test]
fn the_demo_server_does_not_use_the_client() {
    let deps = tree(&["-p", "puffle-demo-server"]);
    assert!(
        deps.iter().any(|d| d == "axum"),
        "the tree was read: {deps:?}"
    );
    for banned in ["puffle-api", "lead-triage", "reqwest", "ratatui", "clap"] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "the server depends on {banned}"
        );
    }
}

#[test]
fn the_server_comes_with_the_default_demo_feature_only() {
    let with = tree(&["-p", "lead-triage"]);
    assert!(with.iter().any(|d| d == "puffle-demo-server"));
    assert!(with.iter().any(|d| d == "puffle-api"));
    let without = tree(&["-p", "lead-triage", "--no-default-features"]);
    assert!(without.iter().any(|d| d == "puffle-api"));
    assert!(!without.iter().any(|d| d == "puffle-demo-server"));
    assert!(
        !without.iter().any(|d| d == "axum"),
        "axum came with the server"
    );
}
