#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Frame cost at 200×50 with 1,000 and 100,000 leads (cursor moving one row per frame).

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lead_triage::app::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame_200x50");
    for n in [100_000usize, 1_000] {
        let mut s = support::state(n, 200, 50);
        let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                // One row down per frame over the same first 1,000 rows at both sizes, so only
                // the number of leads differs between the two runs.
                let last = s.list().cursor + 1 >= s.list().rows.len().min(1_000);
                update(&mut s, support::key(if last { 'g' } else { 'j' }));
                t.draw(|f| {
                    lead_triage::ui::draw(f, &s);
                })
                .expect("draw");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
