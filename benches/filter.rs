#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! One filter keystroke at 100,000 leads: parse, match, sort and draw the frame, for the worst
//! 1–4 character queries. Plain words are the default (substring of one field); `~` words are
//! fuzzy (letters in order), the opt-in. And the saved views' tab counts after a status key.

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn keystroke(c: &mut Criterion) {
    let mut s = support::state(100_000, 200, 50);
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut g = c.benchmark_group("filter_keystroke_100k");
    g.sample_size(20);
    for q in [
        "a",
        "la",
        "ma",
        "mar",
        "mary",
        "x",
        "xqzw",
        "status:new la",
        "company:lake",
        "mary lake",
        "~a",
        "~la",
        "~mr",
        "~mar",
        "~mary",
        "~xqzw",
    ] {
        g.bench_with_input(BenchmarkId::from_parameter(q), &q, |b, q| {
            b.iter(|| {
                s.filter = (*q).to_owned();
                s.refresh_view();
                t.draw(|f| {
                    lead_triage::ui::draw(f, &s);
                })
                .expect("draw");
            })
        });
    }
    g.finish();
}

/// The saved views' tab counts at 100,000 leads, recounted after a status key (three views:
/// tokens only, tokens and a word, a word).
fn tab_counts(c: &mut Criterion) {
    let mut s = support::state(100_000, 200, 50);
    let views: Vec<(String, String)> = [
        ("hot", "status:new score:3"),
        ("lake", "status:new lake"),
        ("mary", "mary"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    s.settings.views = lead_triage::app::views::parse(&views).expect("views");
    let mut g = c.benchmark_group("tab_counts_100k");
    g.sample_size(20);
    g.bench_function("three_views", |b| {
        b.iter(|| {
            s.views_dirty = true;
            lead_triage::app::views::recount(&mut s, true);
            assert!(s.view_counts.iter().all(Option::is_some));
        })
    });
    g.finish();
}

criterion_group!(benches, keystroke, tab_counts);
criterion_main!(benches);
