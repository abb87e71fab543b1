//! The texts of `POST /api/signals/generate`: a DM and a public comment per signal, made from
//! the signal, its person's given name, job title and company. Deterministic: the same signal
//! and the same `take` (how many drafts of that kind were made before) give the same text, so
//! a seed always drafts the same words and a regeneration gives the next variant.

use super::data::{Dataset, Signal};
use super::render;

/// A drafted DM with where to send it (`None`: the person has no known LinkedIn profile).
pub(crate) struct Dm {
    pub text: String,
    pub profile_url: Option<String>,
    pub messaging_url: Option<String>,
}

/// A drafted public comment, with the post it answers.
pub(crate) struct Comment {
    pub text: String,
    pub source_url: String,
}

/// The closing lines of a DM, one per variant.
const CLOSINGS: &[&str] = &[
    "Open to a quick chat next week?",
    "Would a 15-minute call be useful?",
    "Happy to share what worked for similar teams, if that helps.",
];

/// What a signal is about, for the texts.
struct Facts<'a> {
    signal: &'a Signal,
    given: String,
    job_title: &'static str,
    company: Option<String>,
    title: String,
    excerpt: String,
}

fn facts(ds: &Dataset, index: u32) -> Facts<'_> {
    let s = &ds.signals[index as usize];
    let p = &ds.persons[s.person as usize];
    let company = p
        .company
        .map(|c| render::company_name(&ds.companies[c as usize]));
    let (title, excerpt) = render::signal_text(s, p, &render::person_name(p), company.as_deref());
    Facts {
        signal: s,
        given: render::given_name(p),
        job_title: render::job_title(p),
        company,
        title,
        excerpt,
    }
}

/// A variant index from the signal's own random bits and the take.
fn variant(s: &Signal, take: u32, n: usize) -> usize {
    ((s.extra >> 8) as usize).wrapping_add(take as usize) % n
}

/// The DM for signal `index`, its `take`-th draft.
pub(crate) fn dm(ds: &Dataset, index: u32, take: u32) -> Dm {
    let f = facts(ds, index);
    let p = &ds.persons[f.signal.person as usize];
    let g = &f.given;
    let company = f.company.as_deref();
    let opening = match (f.signal.kind, company) {
        (2, Some(c)) => format!("Hi {g}, congrats on joining {c} as {}!", f.job_title),
        (2, None) => format!("Hi {g}, congrats on the new role as {}!", f.job_title),
        (1, _) => format!("Hi {g}, congrats on the news: {}.", f.title),
        (3, _) => format!("Hi {g}, I saw the thread you engaged with: {}", f.excerpt),
        _ => format!("Hi {g}, I saw that {}.", f.title),
    };
    let middle = match company {
        Some(c) => format!("We help teams like {c} turn moments like this into pipeline."),
        None => "We help teams turn moments like this into pipeline.".to_owned(),
    };
    let closing = CLOSINGS[variant(f.signal, take, CLOSINGS.len())];
    Dm {
        text: format!("{opening} {middle} {closing}"),
        profile_url: render::linkedin_url(p),
        messaging_url: render::messaging_url(p),
    }
}

/// The public comment for signal `index`, its `take`-th draft.
pub(crate) fn comment(ds: &Dataset, index: u32, take: u32) -> Comment {
    let f = facts(ds, index);
    let p = &ds.persons[f.signal.person as usize];
    let team = f.company.as_deref().unwrap_or("the team");
    let texts = match f.signal.kind {
        0 => [
            format!("Exciting to see {team} growing. Good luck with the search!"),
            format!("Great time to join {team}. Sharing with my network."),
        ],
        1 => [
            format!("Congrats to everyone at {team} on the round!"),
            format!("Well deserved, {team}. Excited to see what you build next."),
        ],
        2 => [
            format!("Congrats on the new role, {}!", f.given),
            format!("{team} is lucky to have you, {}. Congrats!", f.given),
        ],
        3 => [
            "Great question. We saw teams solve this by starting small; happy to share notes."
                .to_owned(),
            "Following this thread: the same pain came up in a few teams I know.".to_owned(),
        ],
        4 => [
            format!("Congrats on the launch, {team}!"),
            format!("Looks great, {team}. Congrats to everyone who shipped it."),
        ],
        _ => [
            format!("Curious how the evaluation goes at {team}; we went through the same."),
            "Happy to share what we learned running it at scale.".to_owned(),
        ],
    };
    let [first, second] = texts;
    Comment {
        text: if variant(f.signal, take, 2) == 0 {
            first
        } else {
            second
        },
        source_url: render::signal_url(f.signal, p),
    }
}
