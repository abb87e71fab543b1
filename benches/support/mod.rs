//! Shared bench fixtures: synthetic leads with realistic names, and a state built from them.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::model::{Company, Person};
use lead_triage::api::{Lead, Status};
use lead_triage::app::{Effect, Msg, Settings, State, init, update};
use lead_triage::keymap::Keymap;
use lead_triage::sync::backoff::Jitter;
use uuid::Uuid;

const FIRST: [&str; 24] = [
    "Mary", "John", "Zoë", "José", "Lars", "Aiko", "Chen", "Fatima", "Noah", "Olivia", "Liam",
    "Sofía", "Mateo", "Priya", "Arjun", "Hannah", "Jonas", "Élodie", "Marek", "Layla", "Ravi",
    "Sven", "Ingrid", "Tomás",
];
const LAST: [&str; 24] = [
    "Smith",
    "Johnson",
    "Brennan",
    "Álvarez",
    "Larsen",
    "Tanaka",
    "Wang",
    "Haddad",
    "Müller",
    "Rossi",
    "Dvořák",
    "Novak",
    "García",
    "Mehta",
    "Silva",
    "Kowalski",
    "Schmidt",
    "Dubois",
    "Nkosi",
    "Okafor",
    "Kim",
    "Lindqvist",
    "Moreau",
    "Costa",
];
const SYLL: [&str; 16] = [
    "Nova", "Tek", "Lumen", "Lake", "Orbit", "Scale", "Harbor", "Stack", "Quartz", "Sense",
    "Ember", "Base", "Ridge", "Point", "Polar", "Wave",
];
const ROLES: [&str; 8] = [
    "VP Engineering",
    "Head of Growth",
    "Account Executive",
    "Founder & CEO",
    "RevOps Lead",
    "Director of Sales",
    "Product Manager",
    "CTO",
];

/// `n` deterministic leads.
pub fn leads(n: usize) -> Vec<Lead> {
    (0..n)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761) ^ (i >> 3);
            let name = format!("{} {}", FIRST[x % 24], LAST[(x / 24) % 24]);
            let company = format!(
                "{}{}",
                SYLL[(x / 7) % 16],
                SYLL[(x / 113) % 16].to_lowercase()
            );
            let role = ROLES[(x / 5) % 8];
            Lead {
                id: Uuid::from_u128(i as u128 + 1),
                name: name.clone(),
                status: [
                    Status::New,
                    Status::New,
                    Status::Contacted,
                    Status::Dismissed,
                ][x % 4],
                signal_count: (x % 6) as u32 + 1,
                top_score: Some(2.0 + (x % 2) as f64),
                signal_ids: vec![Uuid::from_u128(i as u128 + 10_000_000)],
                person: Some(Person {
                    name: Some(name.clone()),
                    linkedin_url: Some(format!("https://www.linkedin.com/in/lead-{i}")),
                    headline: Some(format!("{role} at {company}")),
                    avatar: None,
                    email: Some(format!(
                        "{}@{}.io",
                        FIRST[x % 24].to_lowercase(),
                        company.to_lowercase()
                    )),
                }),
                company: Some(Company {
                    name: Some(company.clone()),
                    domain: Some(format!("{}.io", company.to_lowercase())),
                    linkedin_url: None,
                    industry: Some("Software Development".into()),
                }),
            }
        })
        .collect()
}

/// A state holding `n` loaded leads in a `w`×`h` terminal.
pub fn state(n: usize, w: u16, h: u16) -> State {
    let mut s = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(1),
    );
    update(&mut s, Msg::Resize(w, h));
    let fx = init(&mut s);
    let Some(Effect::Load { group, generation }) = fx.into_iter().next() else {
        panic!("init loads")
    };
    update(
        &mut s,
        Msg::Page {
            group,
            generation,
            leads: leads(n),
            skipped: 0,
            last: true,
        },
    );
    s
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}
