#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The headless commands, run as the real binary against the built-in server.

mod common;

use common::{bin, requests, run_with_stdin, server, stats, statuses, text};
use puffle_demo_server::ServerConfig;
use serde_json::Value;
use uuid::Uuid;

fn ids_of(stdout: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(stdout).expect("leads list prints JSON");
    v["leads"]
        .as_array()
        .expect("leads array")
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn set_dismissed_on_450_ids_with_unknown_and_duplicates() {
    let h = server(ServerConfig {
        leads: 600,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();

    let mut list = bin(dir.path());
    list.env("PUFFLE_API_KEY", h.api_key())
        .args(["--base-url", &h.base_url(), "leads", "list"]);
    let out = list.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = ids_of(&out.stdout);
    assert_eq!(all.len(), 600);

    // 445 known + 3 unknown + 2 duplicates = 450 ids, read from stdin with `-`.
    let known: Vec<String> = all[..445].to_vec();
    let unknown: Vec<String> = (0..3).map(|_| Uuid::new_v4().to_string()).collect();
    let mut input: Vec<String> = known.clone();
    input.extend(unknown.clone());
    input.push(known[10].clone());
    input.push(known[300].clone());
    assert_eq!(input.len(), 450);

    let patches_before = requests(&h, "PATCH /api/signals/leads");
    let mut set = bin(dir.path());
    set.env("PUFFLE_API_KEY", h.api_key()).args([
        "--base-url",
        &h.base_url(),
        "leads",
        "set",
        "dismissed",
        "-",
    ]);
    let out = run_with_stdin(set, &(input.join("\n") + "\n"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "some items failed → exit 1; stderr: {}",
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["updated"].as_array().unwrap().len(), 445);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3);
    for e in errors {
        assert_eq!(e["error"], "not_found");
        assert!(unknown.contains(&e["id"].as_str().unwrap().to_owned()));
    }
    let s = stats(&h);
    assert_eq!(
        requests(&h, "PATCH /api/signals/leads") - patches_before,
        3,
        "448 distinct ids → 3 PATCH calls"
    );
    assert!(s["max_patch_items"].as_u64().unwrap() <= 200);
    assert_eq!(s["patch_items"].as_u64().unwrap(), 448);

    // A following `leads list` shows the new statuses.
    let out = list.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dismissed: std::collections::HashSet<&str> = v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] == "dismissed")
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(known.iter().all(|id| dismissed.contains(id.as_str())));
    let truth = statuses(&h);
    assert!(known.iter().all(|id| truth[id] == "dismissed"));
}

#[test]
fn update_items_prints_the_api_shape_and_exit_0() {
    let h = server(ServerConfig {
        leads: 30,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let truth = statuses(&h);
    let id = truth.keys().next().unwrap().clone();
    let items = format!(
        r#"[{{"entityId":"{id}","status":"contacted"}},{{"entityId":"{id}","status":"new"}}]"#
    );
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "leads",
            "update",
            "--items",
            &items,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["updated"], serde_json::json!([id]));
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(statuses(&h)[&id], "new", "the last item for a lead wins");
    assert_eq!(stats(&h)["patch_items"], 1);
}

#[test]
fn tsv_lists_every_lead_with_status() {
    let h = server(ServerConfig {
        leads: 120,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "leads",
            "list",
            "--group-by",
            "company",
            "--format",
            "tsv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let body = text(&out.stdout);
    let mut lines = body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id\tstatus\tname\tcompany\theadline\temail\tsignals\ttop_score"
    );
    let rows: Vec<&str> = lines.collect();
    let companies = stats(&h)["leads"]["company"].as_u64().unwrap() as usize;
    assert_eq!(rows.len(), companies);
    let truth = statuses(&h);
    for row in rows {
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(cols.len(), 8, "{row}");
        assert_eq!(truth[cols[0]], cols[1]);
    }
}

#[test]
fn bad_key_is_named_exit_2_and_never_printed() {
    let h = server(ServerConfig {
        leads: 10,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let key = "pk_live_SENTINEL_do_not_print_91c2";
    for args in [
        vec!["leads", "list"],
        vec![
            "leads",
            "set",
            "contacted",
            "dde45278-8ffc-4934-b480-d8ebf87e5430",
        ],
    ] {
        let out = bin(dir.path())
            .env("PUFFLE_API_KEY", key)
            .args(["--base-url", &h.base_url()])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("PUFFLE_API_KEY"), "{stderr}");
        assert!(!stderr.contains(key) && !text(&out.stdout).contains(key));
    }
    let log = std::fs::read_to_string(dir.path().join("test.log")).unwrap_or_default();
    assert!(!log.contains(key), "the key must not reach the log");
    // A missing key is explained too, before any request.
    let before = requests(&h, "GET /api/signals/leads");
    let out = bin(dir.path())
        .args(["--base-url", &h.base_url(), "leads", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("PUFFLE_API_KEY"));
    assert_eq!(requests(&h, "GET /api/signals/leads"), before);
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", "pk_live_x")
        .env("PUFFLE_API_BASE_URL", "http://app.puffle.ai")
        .args(["leads", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("refusing plain http://") && stderr.contains("unencrypted"),
        "{stderr}"
    );
}

#[test]
fn invalid_input_is_rejected_before_any_request() {
    let h = server(ServerConfig {
        leads: 10,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "leads",
                "set",
                "dismissed",
                "dde45278-8ffc-4934-b480-d8ebf87e5430",
                "not-a-uuid",
            ],
            "argument 2: \"not-a-uuid\" is not a UUID",
        ),
        (
            vec![
                "leads",
                "update",
                "--items",
                "[{\"entityId\":\"x\",\"status\":\"new\"}]",
            ],
            "--items[0]: entityId \"x\" is not a UUID",
        ),
        (
            vec![
                "leads",
                "update",
                "--items",
                "[{\"entityId\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"status\":\"responded\"}]",
            ],
            "unknown status \"responded\"",
        ),
        (
            vec!["leads", "update", "--items", "not json"],
            "--items is not valid JSON",
        ),
    ];
    for (args, expected) in cases {
        let out = bin(dir.path())
            .env("PUFFLE_API_KEY", h.api_key())
            .args(["--base-url", &h.base_url()])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
    // clap rejects an unknown status as a usage error (exit 2) too.
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "leads",
            "set",
            "responded",
            "dde45278-8ffc-4934-b480-d8ebf87e5430",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let s = stats(&h);
    let total: u64 = s["requests"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(total, 0, "no request may be sent for invalid input");
}

#[test]
fn demo_server_subcommand_prints_its_address_first() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin(dir.path())
        .args(["demo-server", "--leads", "40", "--status-on-rows"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", "pk_live_demo")
        .args(["--base-url", &url, "leads", "list", "--format", "tsv"])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 41);
}

#[test]
fn sync_sends_the_outbox_and_reports_with_leads_set_exit_codes() {
    use lead_triage::api::{ApiKey, GroupBy, Status};
    use lead_triage::store::{OutboxOp, OutboxRow, Store, namespace_file};

    let h = server(ServerConfig {
        leads: 50,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = namespace_file(
        dir.path(),
        &h.base_url(),
        &ApiKey::new(h.api_key()).unwrap(),
    );
    let truth = statuses(&h);
    // Changes made on `new` leads (as the rows below say): `sync` checks Puffle still has that.
    let mut known: Vec<Uuid> = truth
        .iter()
        .filter(|(_, s)| s.as_str() == "new")
        .map(|(k, _)| Uuid::parse_str(k).unwrap())
        .collect();
    known.sort();
    known.truncate(3);
    let unknown = Uuid::new_v4();
    let rows: Vec<OutboxOp> = known
        .iter()
        .chain(std::iter::once(&unknown))
        .enumerate()
        .map(|(n, id)| {
            OutboxOp::Put(OutboxRow {
                id: *id,
                group: GroupBy::Person,
                status: Status::Dismissed,
                confirmed: Status::New,
                error: None,
                seq: n as u64,
            })
        })
        .collect();
    Store::open(&path).unwrap().write_outbox(&rows).unwrap();

    let run = || {
        bin(dir.path())
            .env("PUFFLE_API_KEY", h.api_key())
            .args([
                "--base-url",
                &h.base_url(),
                "--data-dir",
                dir.path().to_str().unwrap(),
                "sync",
            ])
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(
        out.status.code(),
        Some(1),
        "one item refused → 1; {}",
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["updated"].as_array().unwrap().len(), 3);
    assert_eq!(report["errors"][0]["id"], unknown.to_string());
    assert_eq!(report["errors"][0]["error"], "not_found");
    let after = statuses(&h);
    assert!(known.iter().all(|id| after[&id.to_string()] == "dismissed"));
    // Confirmed rows left the outbox; the refused one stays with its error.
    let left = Store::open(&path).unwrap().outbox().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, unknown);
    assert_eq!(left[0].error.as_deref(), Some("not_found"));

    // With the server unreachable: exit 2 and nothing leaves the outbox.
    common::hook_post(&h, "/__faults", serde_json::json!({"down": true}));
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--retry-base-ms",
            "10",
            "--retry-cap-ms",
            "20",
            "sync",
            "--max-wait",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = common::text(&out.stderr);
    assert!(
        stderr.contains("1 change kept, `lead-triage sync` sends it"),
        "{stderr}"
    );
    assert_eq!(Store::open(&path).unwrap().outbox().unwrap().len(), 1);
}

#[test]
fn config_file_key_only_when_private_and_bad_files_stop_the_app() {
    use std::os::unix::fs::PermissionsExt;
    let h = server(ServerConfig {
        leads: 20,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg_dir = dir.path().join("lead-triage");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let cfg = cfg_dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "base_url = \"{}\"\napi_key = \"{}\"\n",
            h.base_url(),
            h.api_key()
        ),
    )
    .unwrap();
    let list = || {
        bin(dir.path())
            .args(["leads", "list", "--format", "tsv"])
            .output()
            .unwrap()
    };

    // Readable by others: refused, with the fix, and without printing the key.
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = list();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("chmod 600") && err.contains("config.toml"),
        "{err}"
    );
    assert!(!err.contains(h.api_key()));
    assert_eq!(requests(&h, "GET /api/signals/leads"), 0);

    // Private: the key and base URL from the file are used.
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = list();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 21);

    // PUFFLE_API_KEY wins over the file.
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", "pk_live_wrong")
        .args(["leads", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the env key is the one used");

    // An unknown key in the file: the file and line are named and nothing starts.
    std::fs::write(&cfg, "debounce_ms = 100\ncolour = true\n").unwrap();
    let out = list();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("config.toml, line 2") && err.contains("colour"),
        "{err}"
    );
}

/// Every API request the server received, over all endpoints.
fn total_requests(h: &puffle_demo_server::ServerHandle) -> u64 {
    stats(h)["requests"]
        .as_object()
        .expect("requests by endpoint")
        .values()
        .filter_map(Value::as_u64)
        .sum()
}

#[test]
fn demo_flag_runs_headless_commands_with_no_key_and_no_account() {
    let dir = tempfile::tempdir().unwrap();
    // No key anywhere: `--demo` before the command.
    let out = bin(dir.path())
        .args(["--demo", "leads", "list", "--format", "tsv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tsv = text(&out.stdout);
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some("id\tstatus\tname\tcompany\theadline\temail\tsignals\ttop_score")
    );
    let tsv_ids: Vec<String> = lines
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(tsv_ids.len(), 500, "the demo's 500 leads");

    // A real account configured in the environment is left alone, and `--demo` may follow
    // the command.
    let account = server(ServerConfig {
        leads: 10,
        ..ServerConfig::default()
    });
    let with_account = || {
        let mut cmd = bin(dir.path());
        cmd.env("PUFFLE_API_KEY", account.api_key())
            .env("PUFFLE_API_BASE_URL", account.base_url());
        cmd
    };
    let out = with_account()
        .args(["leads", "list", "--demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(ids_of(&out.stdout), tsv_ids, "the same seeded demo data");

    let id = tsv_ids[7].clone();
    let out = with_account()
        .args(["leads", "set", "contacted", &id, "--demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["updated"], serde_json::json!([id]));
    assert_eq!(report["errors"], serde_json::json!([]));

    let items = format!(
        r#"[{{"entityId":"{}","status":"dismissed"}}]"#,
        Uuid::new_v4()
    );
    let out = bin(dir.path())
        .args(["--demo", "leads", "update", "--items", &items])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "unknown to the demo → not_found"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"][0]["error"], "not_found");

    assert_eq!(
        total_requests(&account),
        0,
        "--demo never talks to the account"
    );
}

#[test]
fn demo_sync_sends_the_demo_outbox_and_never_the_accounts() {
    use lead_triage::api::{ApiKey, GroupBy, Status};
    use lead_triage::store::{OutboxOp, OutboxRow, Store, namespace_file};

    let account = server(ServerConfig {
        leads: 10,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // Queued without knowing the status they were made on (as `leads set` does): never a
    // conflict, whatever the lead's status is.
    let row = |id: Uuid, status: Status| {
        OutboxOp::Put(OutboxRow {
            id,
            group: GroupBy::Person,
            status,
            confirmed: Status::Unknown,
            error: None,
            seq: 1,
        })
    };
    // The account's outbox holds one change.
    let account_id = Uuid::parse_str(statuses(&account).keys().next().unwrap()).unwrap();
    let account_store = namespace_file(
        dir.path(),
        &account.base_url(),
        &ApiKey::new(account.api_key()).unwrap(),
    );
    Store::open(&account_store)
        .unwrap()
        .write_outbox(&[row(account_id, Status::Dismissed)])
        .unwrap();
    // The demo's outbox (as the TUI's --demo leaves it) holds another.
    let out = bin(dir.path())
        .args(["--demo", "leads", "list"])
        .output()
        .unwrap();
    let demo_id = Uuid::parse_str(&ids_of(&out.stdout)[3]).unwrap();
    let demo_store = namespace_file(
        dir.path(),
        "demo",
        &ApiKey::new(ServerConfig::DEFAULT_API_KEY).unwrap(),
    );
    Store::open(&demo_store)
        .unwrap()
        .write_outbox(&[row(demo_id, Status::Contacted)])
        .unwrap();

    let sync = |demo: bool| {
        let mut cmd = bin(dir.path());
        cmd.env("PUFFLE_API_KEY", account.api_key())
            .env("PUFFLE_API_BASE_URL", account.base_url())
            .args(["--data-dir", data, "sync"]);
        if demo {
            cmd.arg("--demo");
        }
        cmd.output().unwrap()
    };
    let out = sync(true);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["updated"], serde_json::json!([demo_id.to_string()]));
    assert!(
        Store::open(&demo_store)
            .unwrap()
            .outbox()
            .unwrap()
            .is_empty()
    );
    assert_eq!(total_requests(&account), 0, "nothing went to the account");
    let left = Store::open(&account_store).unwrap().outbox().unwrap();
    assert_eq!(left.len(), 1, "the account's outbox is untouched");
    assert_eq!(left[0].id, account_id);

    // Without --demo, the account's own change goes to the account.
    let out = sync(false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["updated"],
        serde_json::json!([account_id.to_string()])
    );
    assert_eq!(statuses(&account)[&account_id.to_string()], "dismissed");
}

/// Run with a stdout whose reading end is already closed, as after `| head` exited.
fn run_with_closed_stdout(mut cmd: std::process::Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(std::process::Stdio::piped());
    cmd.output().unwrap()
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_exit_0() {
    let h = server(ServerConfig {
        leads: 300,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let id = statuses(&h).keys().next().unwrap().clone();
    let cases: Vec<Vec<&str>> = vec![
        vec!["leads", "list", "--format", "tsv"],
        vec!["leads", "list", "--format", "csv"],
        vec!["leads", "list", "--format", "json"],
        vec!["leads", "list", "--group-by", "company", "--format", "tsv"],
        vec!["leads", "set", "dismissed", &id],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["man"],
        vec!["--demo", "leads", "list", "--format", "tsv"],
    ];
    for args in cases {
        let mut cmd = bin(dir.path());
        cmd.env("PUFFLE_API_KEY", h.api_key())
            .args(["--base-url", &h.base_url()])
            .args(&args);
        let out = run_with_closed_stdout(cmd);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}: nothing on stderr");
    }
    assert_eq!(statuses(&h)[&id], "dismissed", "`leads set` still applied");
}

#[test]
fn leads_list_piped_into_head_stops_quietly_after_the_reader_leaves() {
    use std::io::BufRead;
    // 3,000 leads of TSV are several times what a pipe buffers, so the writer is still
    // writing when the reader goes away after the first line.
    let h = server(ServerConfig {
        leads: 3000,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "leads",
            "list",
            "--format",
            "tsv",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader was dropped: stdout is closed.
    assert!(first.starts_with("id\tstatus\t"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

/// What an unknown name in the configuration file lists as accepted: `a`, `b` → [a, b].
fn listed_after(message: &str, marker: &str) -> Vec<String> {
    let rest = &message[message.find(marker).expect(marker) + marker.len()..];
    let end = rest.find(['\n', ')']).unwrap_or(rest.len());
    rest[..end]
        .split(',')
        .map(|s| s.trim().trim_matches('`').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn help_lists_every_key_the_config_file_accepts_and_every_theme_role() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    let cfg_arg = cfg.to_str().unwrap();
    // The configuration parser names what it accepts when given something it does not.
    std::fs::write(&cfg, "no_such_key = 1\n").unwrap();
    let out = bin(dir.path())
        .args(["--config", cfg_arg, "leads", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let keys = listed_after(&text(&out.stderr), "expected one of");
    assert!(keys.len() >= 7, "{keys:?}");
    std::fs::write(&cfg, "[theme]\nno_such_role = \"red\"\n").unwrap();
    let out = bin(dir.path())
        .args(["--config", cfg_arg, "leads", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let roles = listed_after(&text(&out.stderr), "roles:");
    assert!(roles.len() >= 10, "{roles:?}");

    let out = bin(dir.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    let config = &help[help.find("Configuration file").expect("config section")..];
    for key in &keys {
        // Tables are listed by their header.
        let listed = if ["theme", "views", "commands"].contains(&key.as_str()) {
            config.contains(&format!("\n  [{key}] ")) || config.contains(&format!("\n  [{key}."))
        } else {
            config.contains(&format!("\n  {key} = "))
        };
        assert!(listed, "--help does not list config key {key}:\n{config}");
    }
    let words: std::collections::HashSet<&str> = config
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    for role in &roles {
        assert!(words.contains(role.as_str()), "theme role {role} missing");
    }
}

/// `text` as a roff text line writes it.
fn roff(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('-', "\\-")
        .replace('\'', "\\*(Aq")
}

#[test]
fn man_page_is_one_self_contained_page() {
    use clap::CommandFactory;
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path()).arg("man").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let man = text(&out.stdout);
    assert!(man.is_ascii(), "plain ASCII reads the same in every locale");
    assert!(
        man.contains("\n.TH LEAD-TRIAGE 1 \"\" \"lead-triage "),
        "title, section, an empty date, then the source"
    );
    assert!(
        !man.contains("(1)") && !man.contains("lead\\-triage\\-leads"),
        "names no other man page"
    );
    assert!(
        man.lines().all(|l| !l.starts_with(' ')),
        "no space-aligned text, which roff does not keep aligned"
    );
    let section = |name: &str| -> String {
        let start = man
            .find(&format!("\n.SH {name}\n"))
            .unwrap_or_else(|| panic!("section {name} missing"));
        let body = &man[start + 1..];
        // Up to and with the line break before the next section.
        let end = body[1..].find("\n.SH ").map_or(body.len(), |e| e + 2);
        body[..end].to_owned()
    };

    // Every command with each of its options, in the one page.
    let commands = section("COMMANDS");
    let cli = lead_triage::cli::Cli::command();
    let mut leaves = Vec::new();
    for sub in cli.get_subcommands() {
        if sub.has_subcommands() {
            for leaf in sub.get_subcommands() {
                leaves.push((format!("{} {}", sub.get_name(), leaf.get_name()), leaf));
            }
        } else {
            leaves.push((sub.get_name().to_owned(), sub));
        }
    }
    assert!(leaves.len() >= 7);
    for (path, leaf) in leaves {
        let heading = format!(".SS\n{}\n", roff(&format!("lead-triage {path}")));
        let at = commands
            .find(&heading)
            .unwrap_or_else(|| panic!("no {heading}"));
        let body = &commands[at + heading.len()..];
        let body = &body[..body.find("\n.SS ").unwrap_or(body.len())];
        for arg in leaf.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                let flag = format!("\\fB{}\\fR", roff(&format!("--{long}")));
                assert!(body.contains(&flag), "{path}: {flag} missing");
            }
        }
    }

    // The default key bindings, from the embedded keymap.
    let keys = section("\"KEY BINDINGS\"");
    let keymap = lead_triage::keymap::Keymap::default_keymap();
    for b in keymap.bindings() {
        assert!(
            keys.contains(&format!("\n{}\n", roff(&b.desc))),
            "binding {:?} missing",
            b.desc
        );
    }
    assert!(keys.contains(".TP\n\\fBj\\fR, \\fBDown\\fR\nNext row\n"));

    let files = section("FILES");
    for f in [
        "config.toml",
        "keymap.toml",
        "lead\\-triage.log",
        ".sqlite3",
    ] {
        assert!(files.contains(f), "FILES lacks {f}");
    }
    let env = section("ENVIRONMENT");
    for var in [
        "PUFFLE_API_KEY",
        "PUFFLE_API_BASE_URL",
        "NO_COLOR",
        "LEAD_TRIAGE_LOG",
    ] {
        assert!(
            env.contains(&format!(".TP\n\\fB{var}\\fR\n")),
            "{var} is not its own entry"
        );
    }
    let config = section("CONFIGURATION");
    assert!(config.contains("mouse = false") && config.contains("[theme]"));

    // Where groff is installed, it formats the page without a warning.
    let groff = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    if let Ok(mut child) = groff {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(man.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(text(&out.stderr), "", "groff warnings");
    }
}
