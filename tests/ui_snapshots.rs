#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Whole-screen snapshots (ratatui TestBackend + insta) and frame-cost counts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{GroupBy, ItemError, Lead, PatchOutcome, Status, parse};
use lead_triage::app::{Effect, Msg, Settings, State, init, update};
use lead_triage::keymap::Keymap;
use lead_triage::sync::backoff::Jitter;
use lead_triage::ui::{self, FrameStats};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

/// The documented example page (accents, CJK, RTL, emoji, missing enrichment) plus
/// synthetic leads, with varied statuses.
fn sample_leads(extra: usize) -> Vec<Lead> {
    let page = parse::leads_page(include_bytes!(
        "../crates/puffle-api/tests/fixtures/leads-page.json"
    ))
    .unwrap();
    let mut leads = page.leads;
    let statuses = [
        Status::New,
        Status::Contacted,
        Status::Dismissed,
        Status::Unknown,
    ];
    for (i, l) in leads.iter_mut().enumerate() {
        l.status = statuses[i % 4];
        l.top_score = Some(2.0 + (i % 2) as f64);
    }
    let firsts = [
        "Ada", "Björn", "Chen", "Dalia", "Émile", "Fatima", "Göran", "Hiro",
    ];
    let companies = [
        "Acme Robotics",
        "Nordlys Energi AS",
        "Qamar Labs",
        "株式会社テスト",
        "Orbitscale 🚀",
    ];
    for n in 0..extra {
        let mut l = leads[n % 5].clone();
        l.id = Uuid::from_u128(1000 + n as u128);
        l.name = format!("{} Example{}", firsts[n % firsts.len()], n);
        if let Some(c) = l.company.as_mut() {
            c.name = Some(companies[n % companies.len()].to_owned());
        }
        l.status = statuses[n % 3];
        l.signal_count = (n % 6) as u32 + 1;
        l.top_score = Some(2.0 + (n % 2) as f64);
        leads.push(l);
    }
    leads
}

fn state_with(leads: Vec<Lead>, w: u16, h: u16) -> State {
    state_from(
        Settings {
            source: "snapshot".into(),
            ..Settings::default()
        },
        leads,
        w,
        h,
    )
}

/// A `w`×`h` state with these settings, its person view loaded with `leads` in one page.
fn state_from(settings: Settings, leads: Vec<Lead>, w: u16, h: u16) -> State {
    let mut s = State::new(settings, Keymap::default_keymap(), Jitter::seeded(1));
    update(&mut s, Msg::Resize(w, h));
    let fx = init(&mut s);
    let Effect::Load { group, generation } = fx[0] else {
        panic!("init loads first")
    };
    update(
        &mut s,
        Msg::Page {
            group,
            generation,
            leads,
            skipped: 0,
            last: true,
        },
    );
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(key(s, KeyCode::Char(c)));
    }
    fx
}

fn render(s: &State, w: u16, h: u16) -> (Terminal<TestBackend>, FrameStats) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut stats = FrameStats::default();
    t.draw(|f| stats = ui::draw(f, s)).unwrap();
    (t, stats)
}

#[test]
fn first_load() {
    let s = state_with(sample_leads(40), 120, 30);
    let (t, stats) = render(&s, 120, 30);
    assert_eq!(
        stats.rows_built, 25,
        "30 lines minus header, column titles, toast, status and hints"
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn multi_selection() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, "  j v jj");
    let (t, _) = render(&s, 120, 30);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn pending_rows() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, "x x x d");
    chars(&mut s, "jc");
    let (t, _) = render(&s, 120, 30);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn conflict_row_shows_puffles_status_and_yours() {
    let mut s = state_with(sample_leads(40), 120, 12);
    chars(&mut s, "dd");
    let first = s.data().leads[s.list().rows[0] as usize].id;
    update(
        &mut s,
        Msg::Observed {
            checked: vec![first],
            statuses: vec![(first, Status::Contacted)],
        },
    );
    assert_eq!(s.queue.conflicts(), 1);
    let (t, _) = render(&s, 120, 12);
    let text = format!("{:?}", t.backend());
    assert!(text.contains("≠ yours dismissed"), "{text}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn rows_failed_inline() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, "xxxx");
    let fx = chars(&mut s, "c$");
    let batch = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::Send(b) => Some(b),
            _ => None,
        })
        .expect("$ sends the batch");
    let ids: Vec<String> = batch
        .items
        .iter()
        .map(|i| i.entity_id.to_string())
        .collect();
    let result = Ok(PatchOutcome {
        updated: vec![ids[0].clone()],
        errors: vec![
            ItemError {
                id: ids[1].clone(),
                error: "not_found".into(),
            },
            ItemError {
                id: ids[2].clone(),
                error: "not_found".into(),
            },
        ],
    });
    update(
        &mut s,
        Msg::BatchDone {
            batch: batch.id,
            result,
        },
    );
    assert_eq!(s.queue.counts.failed, 2);
    let (t, _) = render(&s, 120, 30);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn help_overlay() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, "?");
    let (t, _) = render(&s, 120, 30);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn too_small_terminal_says_so() {
    let s = state_with(sample_leads(3), 40, 6);
    let (t, stats) = render(&s, 40, 6);
    assert_eq!(stats.rows_built, 0);
    let text = format!("{}", t.backend());
    assert!(text.contains("Terminal too small"), "{text}");
}

fn many_leads(n: usize) -> Vec<Lead> {
    let base = sample_leads(0);
    (0..n)
        .map(|i| {
            let mut l = base[i % base.len()].clone();
            l.id = Uuid::from_u128(i as u128 + 1);
            l
        })
        .collect()
}

#[test]
fn a_frame_builds_only_the_visible_rows_at_any_size() {
    let small = state_with(many_leads(1_000), 200, 50);
    let mut big = state_with(many_leads(100_000), 200, 50);
    assert_eq!(big.list().rows.len(), 100_000);
    let (_, s1) = render(&small, 200, 50);
    let (_, s2) = render(&big, 200, 50);
    assert_eq!(s1.rows_built, 45);
    assert_eq!(
        s2.rows_built, s1.rows_built,
        "rows built do not depend on the number of leads"
    );
    // Anywhere in the list, and with everything selected.
    key(&mut big, KeyCode::Char('G'));
    update(
        &mut big,
        Msg::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)),
    );
    assert_eq!(big.list().selected.len(), 100_000);
    let (t, s3) = render(&big, 200, 50);
    assert_eq!(s3.rows_built, 45);
    let text = format!("{}", t.backend());
    assert!(text.contains("100,000 / 100,000 leads"), "{text}");
    assert_eq!(big.group, GroupBy::Person);
}

/// The reading pane beside the list (180×50): what a rep decides from, the signal's score
/// meaning, source, excerpt and drafts, with the list still there to move in.
#[test]
fn detail_pane() {
    let mut s = state_with(sample_leads(40), 180, 50);
    let fx = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let Some(Effect::LoadSignals { id, .. }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::LoadSignals { .. }))
    else {
        panic!("Enter loads the lead's signals")
    };
    // Before the signals arrive the pane says so; then they are listed.
    let (t, _) = render(&s, 180, 50);
    assert!(format!("{}", t.backend()).contains("loading…"));
    let signal = |n: u8, title: &str| lead_triage::api::model::Signal {
        id: format!("s{n}"),
        label: Some("Hiring".into()),
        title: Some(title.into()),
        score: Some(3.0),
        created_at: Some(format!("2026-10-0{n}T08:00:00Z")),
        url: Some(format!("https://www.linkedin.com/posts/{n}")),
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Signals {
            id,
            result: Ok(vec![
                // What a rep decides from: the post itself, where it was found, and the
                // drafts Puffle wrote for it.
                lead_triage::api::model::Signal {
                    source: Some("linkedin_post".into()),
                    excerpt: Some(
                        "We are growing the Dublin team: three Account Executives to open the Nordics, remote-friendly, start in January."
                            .into(),
                    ),
                    dm_text: Some(
                        "Hi Ada, congrats on the Dublin hires. We help new AEs ramp in weeks, not months; worth a chat?"
                            .into(),
                    ),
                    comment_text: Some("Great news for Dublin!".into()),
                    ..signal(2, "Hiring 3 AEs in Dublin")
                },
                signal(1, "Raised a Series B 🚀"),
            ]),
            fetched_at: 0,
            cached: true,
        },
    );
    let (t, _) = render(&s, 180, 50);
    let screen = format!("{}", t.backend());
    // Beside: the list keeps its rows on the left, the pane has the right.
    assert!(
        screen
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("status") && l.contains("┌ Lead")),
        "{screen}"
    );
    insta::assert_snapshot!(t.backend());
}

/// The signals of the cursor's lead (and of the leads ahead, prefetched) as the worker would
/// answer: one "Hiring" signal each.
fn answer_signals(s: &mut State, fx: Vec<Effect>) {
    for e in fx {
        if let Effect::LoadSignals { id, .. } = e {
            let signal = lead_triage::api::model::Signal {
                id: format!("s-{id}"),
                label: Some("Hiring".into()),
                title: Some("Hiring 3 AEs in Dublin".into()),
                score: Some(2.0),
                source: Some("linkedin_jobs".into()),
                excerpt: Some("Account Executive, Nordics. Remote-friendly.".into()),
                created_at: Some("2026-11-02T08:00:00Z".into()),
                url: Some("https://www.linkedin.com/jobs/1".into()),
                ..Default::default()
            };
            update(
                s,
                Msg::Signals {
                    id,
                    result: Ok(vec![signal]),
                    fetched_at: 0,
                    cached: true,
                },
            );
        }
    }
}

fn with_views(leads: Vec<Lead>, w: u16, h: u16, views: &[(&str, &str)]) -> State {
    let settings = Settings {
        source: "snapshot".into(),
        views: lead_triage::app::views::parse(
            &views
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>(),
        )
        .unwrap(),
        ..Settings::default()
    };
    state_from(settings, leads, w, h)
}

/// Saved views as tabs with their counts; `l` moves to the next one and lights it.
#[test]
fn saved_views_as_tabs_with_counts() {
    let leads = sample_leads(40);
    let new = leads.iter().filter(|l| l.status == Status::New).count();
    let hot = leads
        .iter()
        .filter(|l| l.status == Status::New && l.top_score == Some(3.0))
        .count();
    let mut s = with_views(
        leads,
        120,
        30,
        &[
            ("hot", "status:new score:3"),
            ("fresh", "status:new"),
            ("none", "status:contacted name:zzz"),
        ],
    );
    let (t, _) = render(&s, 120, 30);
    let screen = format!("{}", t.backend());
    let tabs = screen.lines().nth(1).unwrap();
    assert!(tabs.contains(&format!("hot {hot} left")), "{tabs}");
    assert!(tabs.contains(&format!("fresh {new} left")), "{tabs}");
    assert!(tabs.contains("none queue zero"), "{tabs}");
    assert!(tabs.contains("[all "), "all is lit: {tabs}");
    key(&mut s, KeyCode::Char('l'));
    assert_eq!(s.filter, "status:new score:3");
    assert_eq!(s.list().rows.len(), hot);
    // A dismissal leaves the view: its count goes down at once.
    key(&mut s, KeyCode::Char('d'));
    let (t, _) = render(&s, 120, 30);
    let screen = format!("{}", t.backend());
    assert!(
        screen
            .lines()
            .nth(1)
            .unwrap()
            .contains(&format!("[hot {} left]", hot - 1)),
        "{screen}"
    );
    insta::assert_snapshot!(t.backend());
}

/// A saved view with nothing left says so: queue zero.
#[test]
fn saved_view_queue_zero() {
    let mut s = with_views(
        sample_leads(10),
        100,
        24,
        &[("hot", "status:new score:3"), ("none", "name:zzz")],
    );
    key(&mut s, KeyCode::Char('h'));
    assert_eq!(s.filter, "name:zzz");
    let (t, _) = render(&s, 100, 24);
    let screen = format!("{}", t.backend());
    assert!(
        screen.contains("Queue zero: nothing left in none."),
        "{screen}"
    );
    insta::assert_snapshot!(t.backend());
}

/// Stacked (100×40): the pane below the list, which keeps the rows above it.
#[test]
fn reading_pane_stacked() {
    let mut s = state_with(sample_leads(40), 100, 40);
    let fx = key(&mut s, KeyCode::Enter);
    answer_signals(&mut s, fx);
    let (t, _) = render(&s, 100, 40);
    let screen = format!("{}", t.backend());
    let pane_top = screen.lines().position(|l| l.contains("┌ Lead")).unwrap();
    assert!(
        pane_top > 10,
        "the pane starts below the list's rows: {screen}"
    );
    insta::assert_snapshot!(t.backend());
}

/// A company with its people (those its signals name), each with their status, and the key
/// that selects them all; pressing it selects exactly them in the person view.
#[test]
fn reading_pane_company_with_its_people() {
    let leads = sample_leads(10);
    let people: Vec<(Uuid, String)> = leads[1..4].iter().map(|l| (l.id, l.name.clone())).collect();
    let mut s = state_with(leads, 180, 50);
    key(&mut s, KeyCode::Char('p'));
    let company = lead_triage::api::Lead {
        id: Uuid::from_u128(77),
        name: "Nordlys Energi AS".into(),
        status: Status::New,
        signal_count: 3,
        top_score: Some(3.0),
        signal_ids: vec![],
        person: None,
        company: Some(lead_triage::api::model::Company {
            name: Some("Nordlys Energi AS".into()),
            domain: Some("nordlys.no".into()),
            linkedin_url: None,
            industry: Some("Renewable energy".into()),
        }),
    };
    let generation = s.data[1].generation;
    let fx = update(
        &mut s,
        Msg::Page {
            group: GroupBy::Company,
            generation,
            leads: vec![company],
            skipped: 0,
            last: true,
        },
    );
    drop(fx);
    let fx = key(&mut s, KeyCode::Enter);
    assert!(fx.contains(&Effect::LoadSignals {
        group: GroupBy::Company,
        id: Uuid::from_u128(77)
    }));
    let signals = people
        .iter()
        .enumerate()
        .map(|(k, (pid, name))| lead_triage::api::model::Signal {
            id: format!("c{k}"),
            entity_id: Some(Uuid::from_u128(77)),
            person_entity_id: Some(*pid),
            label: Some("Post engagement".into()),
            title: Some(format!("{name} engaged with a post about grid storage")),
            score: Some(3.0),
            created_at: Some(format!("2026-11-0{}T08:00:00Z", k + 1)),
            ..Default::default()
        })
        .collect();
    update(
        &mut s,
        Msg::Signals {
            id: Uuid::from_u128(77),
            result: Ok(signals),
            fetched_at: 0,
            cached: true,
        },
    );
    let (t, _) = render(&s, 180, 50);
    let screen = format!("{}", t.backend());
    assert!(screen.contains("People (3) · a selects them"), "{screen}");
    insta::assert_snapshot!(t.backend());
    // `a`: the person view, exactly those three selected.
    key(&mut s, KeyCode::Char('a'));
    assert_eq!(s.group, GroupBy::Person);
    let mut selected: Vec<Uuid> = s
        .list()
        .selected
        .iter()
        .map(|&i| s.data().leads[i as usize].id)
        .collect();
    selected.sort();
    let mut want: Vec<Uuid> = people.iter().map(|(id, _)| *id).collect();
    want.sort();
    assert_eq!(selected, want);
}

#[test]
fn help_overlay_filtered() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, "?/select");
    let (t, _) = render(&s, 120, 30);
    let text = format!("{}", t.backend());
    assert!(text.contains("Select all visible rows"));
    assert!(
        !text.contains("Half a page down"),
        "other bindings are filtered out"
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn which_key_popup_after_star() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, "*");
    let (t, _) = render(&s, 120, 30);
    let text = format!("{}", t.backend());
    assert!(text.contains("Invert the selection"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn narrow_terminal() {
    let mut s = state_with(sample_leads(40), 64, 16);
    chars(&mut s, "xjd");
    let (t, stats) = render(&s, 64, 16);
    assert_eq!(stats.rows_built, 11);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn no_color_uses_only_attributes() {
    let mut s = state_with(sample_leads(10), 80, 14);
    s.settings.color = false;
    chars(&mut s, "xjd");
    let (t, _) = render(&s, 80, 14);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "no foreground colour"
        );
        assert_eq!(
            cell.bg,
            ratatui::style::Color::Reset,
            "no background colour"
        );
    }
    assert!(
        buf.content()
            .iter()
            .any(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED))
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_filter_with_a_typo_says_why_and_shows_no_rows() {
    let mut s = state_with(sample_leads(10), 100, 14);
    key(&mut s, KeyCode::Char('/'));
    chars(&mut s, "status:contaced");
    let (t, stats) = render(&s, 100, 14);
    assert_eq!(stats.rows_built, 0);
    let screen = format!("{:?}", t.backend());
    assert!(screen.contains("✗ status:contaced?"), "{screen}");
    assert!(screen.contains("The filter has an error"), "{screen}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_filter_that_matches_nothing_says_so() {
    let mut s = state_with(sample_leads(10), 100, 14);
    key(&mut s, KeyCode::Char('/'));
    chars(&mut s, "zzzzqqq");
    key(&mut s, KeyCode::Enter);
    let (t, _) = render(&s, 100, 14);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn the_detail_pane_wraps_a_long_headline_instead_of_cutting_it() {
    let mut leads = sample_leads(0);
    let long = "Head of Revenue Operations and Growth at Nordlys Energi AS, building the sales \
                team from zero to forty across the Nordics and the Baltics";
    leads[0]
        .person
        .get_or_insert_with(Default::default)
        .headline = Some(long.into());
    let mut s = state_with(leads, 80, 30);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let (t, _) = render(&s, 80, 30);
    let screen = format!("{}", t.backend());
    for word in ["Head", "Nordics", "Baltics"] {
        assert!(screen.contains(word), "{word} missing:\n{screen}");
    }
}

#[test]
fn command_palette_open_and_filtered() {
    let mut s = state_with(sample_leads(40), 120, 30);
    chars(&mut s, ":");
    let (t, _) = render(&s, 120, 30);
    let text = format!("{}", t.backend());
    // Each line teaches its key: key, then description; the hint bar is the palette's own.
    assert!(text.contains("▶ j, ↓"), "{text}");
    assert!(text.contains("Next row"), "{text}");
    assert!(text.contains("Enter run"), "{text}");
    insta::assert_snapshot!("command_palette_open", t.backend());
    chars(&mut s, "contact");
    let (t, _) = render(&s, 120, 30);
    let text = format!("{}", t.backend());
    assert!(
        text.contains("▶ c, 2"),
        "the best match is highlighted first: {text}"
    );
    assert!(!text.contains("Half a page down"), "{text}");
    insta::assert_snapshot!("command_palette_filtered", t.backend());
}
