//! One layout: the screen lines `update` takes for lead rows (mouse hits, paging) are exactly
//! the lines `ui::draw` draws leads on, for many terminal sizes, modes, list lengths and
//! cursor positions; a click on a drawn row acts on the lead drawn there.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

use lead_triage::api::model::{Company, Person};
use lead_triage::api::{GroupBy, Lead, Status};
use lead_triage::app::{Effect, Mode, Msg, Settings, State, init, nav, update};
use lead_triage::keymap::Keymap;
use lead_triage::sync::backoff::Jitter;
use lead_triage::ui::{self, Hit};

/// Lead `n` is named `L` and five digits, a text nothing else on the screen contains.
fn lead(n: usize) -> Lead {
    Lead {
        id: Uuid::from_u128(n as u128 + 1),
        name: format!("L{n:05}"),
        status: [Status::New, Status::Contacted, Status::Dismissed][n % 3],
        signal_count: 1,
        top_score: Some(2.0),
        signal_ids: vec![],
        person: Some(Person {
            name: Some(format!("L{n:05}")),
            headline: Some("Head of sales".into()),
            ..Person::default()
        }),
        company: Some(Company {
            name: Some("Acme".into()),
            ..Company::default()
        }),
    }
}

fn state(n: usize, size: (u16, u16)) -> State {
    let mut s = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(1),
    );
    update(&mut s, Msg::Resize(size.0, size.1));
    let Some(&Effect::Load { group, generation }) = init(&mut s).first() else {
        panic!("init loads the first view")
    };
    assert_eq!(group, GroupBy::Person);
    update(
        &mut s,
        Msg::Page {
            group,
            generation,
            leads: (0..n).map(lead).collect(),
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(s.list().rows.len(), n);
    s
}

/// The lead number drawn on each screen line, if any.
fn drawn(s: &State) -> Vec<Option<usize>> {
    let (w, h) = s.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| {
        ui::draw(f, s);
    })
    .expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
            lead_on(&line)
        })
        .collect()
}

fn lead_on(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    (0..b.len().saturating_sub(5)).find_map(|i| {
        let digits = b.get(i + 1..i + 6)?;
        (b[i] == b'L' && digits.iter().all(u8::is_ascii_digit))
            .then(|| line[i + 1..i + 6].parse().ok())
            .flatten()
    })
}

/// The lead number `update` takes each screen line for (through the layout's hit test).
fn hit_rows(s: &State, column: u16) -> Vec<Option<usize>> {
    let layout = s.layout();
    (0..s.size.1)
        .map(|y| match layout.hit(s.list(), column, y) {
            Hit::Row { pos, .. } => Some(s.list().rows[pos] as usize),
            Hit::Outside => None,
        })
        .collect()
}

fn click(s: &mut State, column: u16, row: u16) {
    update(
        s,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    );
}

/// The state a case sets up: a mode, a toast or banner, the cursor somewhere.
#[derive(Clone, Debug)]
struct Case {
    size: (u16, u16),
    leads: usize,
    cursor: usize,
    mode: u8,
    toast: bool,
    banner: bool,
}

fn set_up(c: &Case) -> State {
    let mut s = state(c.leads, c.size);
    nav::move_to(&mut s, c.cursor as isize);
    if c.toast {
        s.toast = Some("a toast that says something".into());
    }
    if c.banner {
        s.banner = Some("a banner".into());
    }
    s.mode = match c.mode {
        0 => Mode::Normal,
        1 => Mode::Filter,
        _ => Mode::Find,
    };
    s
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let mut s = set_up(c);
    let screen = drawn(&s);
    let n_drawn = screen.iter().flatten().count();
    for column in [0, 1, 2, c.size.0 / 2, c.size.0 - 1] {
        prop_assert_eq!(
            &hit_rows(&s, column),
            &screen,
            "{:?} at column {}",
            c,
            column
        );
    }
    // The cursor's lead is drawn, and a page is what is drawn.
    if c.leads > 0 {
        let lead = s.list().cursor_lead().map(|i| i as usize);
        prop_assert!(screen.contains(&lead), "{:?}: cursor not drawn", c);
        let page = s.page_rows().min(c.leads);
        prop_assert_eq!(n_drawn, page, "{:?}", c);
    } else {
        prop_assert_eq!(n_drawn, 0);
    }
    if c.mode != 0 {
        // Mouse only acts in the list itself.
        let before = s.list().cursor;
        for y in 0..c.size.1 {
            click(&mut s, 20, y);
        }
        prop_assert_eq!(s.list().cursor, before);
        return Ok(());
    }
    // A click on each drawn row moves the cursor to the lead drawn there, and nothing
    // scrolls; a click in the mark column selects that lead.
    for (y, lead) in screen.iter().enumerate() {
        let Some(lead) = *lead else { continue };
        click(&mut s, c.size.0 / 2, y as u16);
        prop_assert_eq!(
            s.list().cursor_lead(),
            Some(lead as u32),
            "{:?} line {}",
            c,
            y
        );
        prop_assert_eq!(&drawn(&s), &screen, "{:?}: a click scrolled", c);
        click(&mut s, 0, y as u16);
        prop_assert!(
            s.list().selected.contains(&(lead as u32)),
            "{:?} line {}",
            c,
            y
        );
    }
    prop_assert_eq!(s.list().selected.len(), n_drawn);
    // Clicks elsewhere do nothing.
    let cursor = s.list().cursor;
    for (y, lead) in screen.iter().enumerate() {
        if lead.is_none() {
            click(&mut s, 20, y as u16);
        }
    }
    prop_assert_eq!(s.list().cursor, cursor);
    prop_assert_eq!(s.list().selected.len(), n_drawn);
    Ok(())
}

fn cases() -> impl Strategy<Value = Case> {
    (
        (60u16..=220, 8u16..=60),
        prop_oneof![Just(0usize), 1usize..5, 5usize..400],
        0usize..400,
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(size, leads, cursor, mode, toast, banner)| Case {
            size,
            leads,
            cursor,
            mode,
            toast,
            banner,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn update_takes_for_lead_rows_exactly_the_lines_drawn_with_leads(c in cases()) {
        check(&c)?;
    }
}

#[test]
fn the_smallest_and_edge_sizes_agree_too() {
    for size in [(60, 8), (60, 9), (61, 8), (80, 24), (300, 100)] {
        for leads in [0, 1, 3, 200] {
            for cursor in [0, leads / 2, leads] {
                for mode in 0..3 {
                    let c = Case {
                        size,
                        leads,
                        cursor,
                        mode,
                        toast: true,
                        banner: false,
                    };
                    check(&c).unwrap_or_else(|e| panic!("{e}"));
                }
            }
        }
    }
}

#[test]
fn after_a_shrink_the_rows_drawn_and_hit_still_agree_and_a_page_is_what_is_drawn() {
    let mut s = state(300, (120, 50));
    nav::move_to(&mut s, 40);
    update(&mut s, Msg::Resize(100, 12));
    let screen = drawn(&s);
    assert_eq!(hit_rows(&s, 30), screen);
    assert!(screen.contains(&Some(40)), "the cursor stays drawn");
    // Page down from the top lands on the first row not drawn before.
    nav::move_to(&mut s, 0);
    let before = drawn(&s);
    let shown = before.iter().flatten().count();
    assert_eq!(shown, 12 - 5);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
    );
    assert_eq!(s.list().cursor, shown);
    assert!(!before.contains(&Some(shown)));
    assert!(drawn(&s).contains(&Some(shown)));
}

#[test]
fn overlays_leave_the_rows_alone_and_clicks_do_nothing() {
    for mode in [Mode::Help { scroll: 0 }, Mode::ConfirmQuit] {
        let mut s = state(50, (100, 30));
        nav::move_to(&mut s, 7);
        s.mode = mode.clone();
        for y in 0..30 {
            click(&mut s, 50, y);
            click(&mut s, 0, y);
        }
        assert_eq!(s.list().cursor, 7, "{mode:?}");
        assert!(s.list().selected.is_empty(), "{mode:?}");
    }
}
