//! Fixtures of the triage feedback tests (a few copied from `app_update.rs`, trimmed).

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

use lead_triage::api::model::{Company, Person};
use lead_triage::api::{ApiError, GroupBy, ItemError, Lead, PatchOutcome, Status};
use lead_triage::app::queue::{Batch, Counts};
use lead_triage::app::{Effect, Msg, Settings, State, init, update};
use lead_triage::keymap::Keymap;
use lead_triage::sync::backoff::Jitter;
use lead_triage::ui;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn lead(n: u128, name: &str, status: Status) -> Lead {
    Lead {
        id: id(n),
        name: name.to_owned(),
        status,
        signal_count: 1,
        top_score: Some(0.5),
        signal_ids: vec![Uuid::from_u128(1_000_000 + n)],
        person: Some(Person {
            name: Some(name.to_owned()),
            linkedin_url: None,
            headline: Some(format!("Role {n}")),
            avatar: None,
            email: None,
        }),
        company: Some(Company {
            name: Some(format!("Company {n}")),
            domain: None,
            linkedin_url: None,
            industry: None,
        }),
    }
}

pub const NAMES: [&str; 4] = [
    "Zoë Brennan-Okafor",
    "Ada Lovelace",
    "山田太郎",
    "Grace Hopper",
];

/// `n` leads with ids 1..=n, all `new`, named from [`NAMES`] (numbered after the first four).
pub fn leads(n: u128) -> Vec<Lead> {
    (1..=n)
        .map(|i| {
            let name = match NAMES.get(i as usize - 1) {
                Some(name) => (*name).to_owned(),
                None => format!("Lead #{i}"),
            };
            lead(i, &name, Status::New)
        })
        .collect()
}

pub fn new_state() -> State {
    State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(1),
    )
}

/// A 120×30 state whose person view is loaded with `leads` in one page.
pub fn loaded(leads: Vec<Lead>) -> State {
    let mut s = new_state();
    update(&mut s, Msg::Resize(120, 30));
    let fx = init(&mut s);
    let Some(Effect::Load { generation, .. }) = fx.first() else {
        panic!("init loads the person view: {fx:?}")
    };
    let generation = *generation;
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation,
            leads,
            skipped: 0,
            last: true,
        },
    );
    s
}

/// The company view loaded with `companies` (the person view stays as it was).
pub fn load_companies(s: &mut State, companies: Vec<Lead>) {
    let fx = press(s, "p");
    let Some(Effect::Load { generation, .. }) = fx.first() else {
        panic!("p loads the company view: {fx:?}")
    };
    let generation = *generation;
    update(
        s,
        Msg::Page {
            group: GroupBy::Company,
            generation,
            leads: companies,
            skipped: 0,
            last: true,
        },
    );
}

/// One key as a terminal reports it: `j`, `$`, `ctrl-c`, `enter`, `esc`, `G`, ….
pub fn key(spec: &str) -> KeyEvent {
    let (mods, name) = match spec.strip_prefix("ctrl-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, spec),
    };
    let code = match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        one if one.chars().count() == 1 => KeyCode::Char(one.chars().next().unwrap()),
        other => panic!("test key parser: unknown key {other:?}"),
    };
    KeyEvent::new(code, mods)
}

pub fn press(s: &mut State, spec: &str) -> Vec<Effect> {
    update(s, Msg::Key(key(spec)))
}

/// Press keys separated by spaces, returning every effect.
pub fn keys(s: &mut State, seq: &str) -> Vec<Effect> {
    seq.split_whitespace().flat_map(|k| press(s, k)).collect()
}

pub fn sends(fx: &[Effect]) -> Vec<Batch> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

pub fn batch_ids(b: &Batch) -> Vec<u128> {
    let mut v: Vec<u128> = b.items.iter().map(|i| i.entity_id.as_u128()).collect();
    v.sort_unstable();
    v
}

pub fn counts(pending: usize, sending: usize, failed: usize) -> Counts {
    Counts {
        pending,
        sending,
        failed,
    }
}

pub fn toast(s: &State) -> &str {
    s.toast.as_deref().unwrap_or("")
}

pub fn cursor_id(s: &State) -> u128 {
    s.cursor_lead().expect("a cursor lead").id.as_u128()
}

/// The server applied every item of `b`.
pub fn all_ok(b: &Batch) -> Msg {
    Msg::BatchDone {
        batch: b.id,
        result: Ok(PatchOutcome {
            updated: b.items.iter().map(|i| i.entity_id.to_string()).collect(),
            errors: Vec::new(),
        }),
    }
}

/// The server refused every item of `b` with `code`.
pub fn all_refused(b: &Batch, code: &str) -> Msg {
    Msg::BatchDone {
        batch: b.id,
        result: Ok(PatchOutcome {
            updated: Vec::new(),
            errors: b
                .items
                .iter()
                .map(|i| ItemError {
                    id: i.entity_id.to_string(),
                    error: code.to_owned(),
                })
                .collect(),
        }),
    }
}

pub fn failed_with(b: &Batch, error: ApiError) -> Msg {
    Msg::BatchDone {
        batch: b.id,
        result: Err(error),
    }
}

pub fn server_error(retry_after: Option<Duration>) -> ApiError {
    ApiError::Server {
        status: 503,
        message: None,
        retry_after,
    }
}

/// The whole screen drawn at the state's size, as text (rows joined by newlines).
pub fn screen(s: &State) -> String {
    let (w, h) = s.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| {
        ui::draw(f, s);
    })
    .expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The detail pane's lines as text, `width` columns wide.
pub fn detail_text(s: &State, width: usize) -> Vec<String> {
    let theme = ui::theme::Theme {
        color: false,
        palette: s.settings.palette,
    };
    ui::detail::lines(s, width, &theme)
        .iter()
        .map(|l| l.spans.iter().map(|sp| sp.content.as_ref()).collect())
        .collect()
}

pub fn detail_scroll(s: &State) -> usize {
    match &s.pane {
        Some(pane) => pane.scroll,
        None => panic!("the reading pane is not open"),
    }
}
