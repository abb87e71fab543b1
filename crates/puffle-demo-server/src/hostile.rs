//! Hostile data for `ServerConfig::hostile`: strings that attack terminals and parsers.
//!
//! A client that prints these verbatim can have its screen cleared, its window title or clipboard
//! rewritten, fake hyperlinks injected or its text reordered, so the TUI must sanitise them. The
//! generator draws from its own PRNG stream, which means turning `hostile` on changes only these
//! overlays: ids, signals and statuses stay identical to the clean dataset for the same seed.

use super::data::{Company, Person};
use super::pools;
use super::render;
use super::rng::Rng;

/// Attack payloads spliced into otherwise ordinary strings.
const PAYLOADS: &[&str] = &[
    // CSI: clear screen + home, red foreground, cursor position report request, alt screen.
    "\x1b[2J\x1b[H",
    "\x1b[31m",
    "\x1b[6n",
    "\x1b[?1049h",
    // OSC 0 (window title) and OSC 52 (clipboard write), BEL-terminated.
    "\x1b]0;PWNED\x07",
    "\x1b]52;c;SGVsbG8=\x07",
    // OSC 8 hyperlink, ST-terminated.
    "\x1b]8;;https://evil.example/phish\x1b\\click me\x1b]8;;\x1b\\",
    // DCS request-status string.
    "\x1bP$qm\x1b\\",
    // 8-bit C1 CSI.
    "\u{9b}31m",
    // C0 controls.
    "\r",
    "\n",
    "\t",
    "\x08\x08\x08",
    "\x07",
    "\0",
    // Bidi overrides and isolates.
    "\u{202E}",
    "\u{2066}",
    // Invisible characters: zero-width space, word joiner, BOM. (The zero-width joiner is
    // not one: writing needs it, see `FAITHFUL_NAMES`.)
    "\u{200B}",
    "\u{2060}",
    "\u{FEFF}",
    // "ASCII smuggling": text spelled in tag characters ("hi"), and a flag whose tags are not
    // a well-formed flag tag sequence (no cancel tag): the tags are removed, the flag kept.
    "\u{E0068}\u{E0069}",
    "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}",
];

/// Names that must reach the screen and every output exactly as written, put on the first
/// persons left without an attack. They attack nothing but a client that strips or measures
/// per character: a zero-width non-joiner (Persian), a zero-width joiner (a Devanagari half
/// form, an emoji ZWJ sequence), a skin-tone modifier and a lone one, a flag tag sequence, a
/// keycap and an emoji presentation selector.
pub(crate) const FAITHFUL_NAMES: &[&str] = &[
    "Sara \u{646}\u{6CC}\u{6A9}\u{200C}\u{67E}\u{648}\u{631}",
    "Rekha \u{915}\u{94D}\u{200D}\u{937}\u{93F}\u{924}\u{93F}\u{91C}",
    "Ada Okafor \u{1F469}\u{200D}\u{1F4BB}",
    "Tom\u{E1}s Reyes \u{1F44D}\u{1F3FD}",
    "\u{1F3FD} Kim",
    "Iona MacLeod \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    "Team 1\u{FE0F}\u{20E3} Ops",
    "L\u{E9}a \u{2764}\u{FE0F} Martin",
];

/// Spreadsheet formula injections put in front of every fifth hostile person name. They take
/// no PRNG draw, so the rest of the hostile data is the same with or without them.
const FORMULAS: &[&str] = &[
    "=HYPERLINK(\"https://evil.example/f\",\"open\") ",
    "+cmd|' /C calc'!A0 ",
    "-2+3 ",
    "@SUM(1+1) ",
];

/// Minimum size in bytes of the oversized names.
pub(crate) const HUGE_LEN: usize = 10_000;

/// Returns `base` with hostile content: usually 1-3 payloads spliced in at the start, middle or
/// end; about one time in ten an oversized (at least [`HUGE_LEN`] bytes) string instead.
pub(crate) fn hostile_text(rng: &mut Rng, base: &str) -> String {
    if rng.chance(0.1) {
        return huge(rng, base);
    }
    let mut out = base.to_owned();
    let count = 1 + rng.index(3);
    for _ in 0..count {
        let payload = PAYLOADS[rng.index(PAYLOADS.len())];
        match rng.index(3) {
            0 => out.insert_str(0, payload),
            1 => {
                // Insert at a char boundary in the middle.
                let mid = out
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(out.chars().count() / 2)
                    .unwrap_or(out.len());
                out.insert_str(mid, payload);
            }
            _ => out.push_str(payload),
        }
    }
    out
}

/// A string of at least [`HUGE_LEN`] bytes mixing wide, combining and escape characters.
fn huge(rng: &mut Rng, base: &str) -> String {
    const CHUNKS: &[&str] = &[
        "Ünïcødé ",
        "名前が長い ",
        "😀🚀 ",
        "e\u{301}\u{301}\u{301} ",
        "\x1b[31mred\x1b[0m ",
        "long-name-",
    ];
    let mut out = String::with_capacity(HUGE_LEN + 64);
    out.push_str(base);
    out.push(' ');
    while out.len() < HUGE_LEN {
        out.push_str(CHUNKS[rng.index(CHUNKS.len())]);
    }
    out
}

/// Wrong JSON types injected into a few hostile rows; the row `id` always stays valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mangle {
    /// `"signalCount": "lots"`
    SignalCountString,
    /// `"topScore": null`
    TopScoreNull,
    /// `"person": "not an object"`
    PersonNotObject,
    /// `"company": 42`
    CompanyNumber,
    /// `"name": 12345`
    NameNumber,
    /// `"signalIds": "<first id>"` (a string instead of an array)
    SignalIdsString,
}

impl Mangle {
    const ALL: [Mangle; 6] = [
        Mangle::SignalCountString,
        Mangle::TopScoreNull,
        Mangle::PersonNotObject,
        Mangle::CompanyNumber,
        Mangle::NameNumber,
        Mangle::SignalIdsString,
    ];

    pub(crate) fn pick(rng: &mut Rng) -> Mangle {
        Self::ALL[rng.index(Self::ALL.len())]
    }

    /// Applies the mangle to a rendered lead row.
    pub(crate) fn apply(self, row: &mut serde_json::Map<String, serde_json::Value>) {
        use serde_json::Value;
        match self {
            Mangle::SignalCountString => {
                row.insert("signalCount".into(), Value::from("lots"));
            }
            Mangle::TopScoreNull => {
                row.insert("topScore".into(), Value::Null);
            }
            Mangle::PersonNotObject => {
                row.insert("person".into(), Value::from("not an object"));
            }
            Mangle::CompanyNumber => {
                row.insert("company".into(), Value::from(42));
            }
            Mangle::NameNumber => {
                row.insert("name".into(), Value::from(12345));
            }
            Mangle::SignalIdsString => {
                let first = row
                    .get("signalIds")
                    .and_then(|v| v.get(0))
                    .cloned()
                    .unwrap_or(Value::Null);
                row.insert("signalIds".into(), first);
            }
        }
    }
}

/// Hostile overrides for one person.
#[derive(Clone, Debug, Default)]
pub(crate) struct HostilePerson {
    pub name: Option<String>,
    pub headline: Option<String>,
    pub mangle: Option<Mangle>,
}

/// Hostile overrides for one company.
#[derive(Clone, Debug, Default)]
pub(crate) struct HostileCompany {
    pub name: Option<String>,
    pub industry: Option<String>,
    pub mangle: Option<Mangle>,
}

/// Overlays hostile strings on ~1 in 5 persons and companies (and wrong JSON types on ~1 in 10
/// of those), built around the entity's real name, headline or industry, then gives the
/// first other persons the [`FAITHFUL_NAMES`].
pub(crate) fn overlay(seed: u64, persons: &mut [Person], companies: &mut [Company]) {
    let mut rng = Rng::new(seed ^ 0x4057_11E0_BADC_0DE5);
    let mut named = 0usize;
    for p in persons.iter_mut() {
        if !rng.chance(0.2) {
            continue;
        }
        let name = render::person_name(p);
        let title = pools::TITLES[usize::from(p.title)];
        let mut h = HostilePerson::default();
        match rng.index(3) {
            0 => h.name = Some(hostile_text(&mut rng, &name)),
            1 => h.headline = Some(hostile_text(&mut rng, title)),
            _ => {
                h.name = Some(hostile_text(&mut rng, &name));
                h.headline = Some(hostile_text(&mut rng, title));
            }
        }
        if let Some(n) = h.name.as_mut().filter(|_| named.is_multiple_of(5)) {
            n.insert_str(0, FORMULAS[named / 5 % FORMULAS.len()]);
        }
        named += usize::from(h.name.is_some());
        if rng.chance(0.1) {
            h.mangle = Some(Mangle::pick(&mut rng));
        }
        p.hostile = Some(Box::new(h));
    }
    for c in companies.iter_mut() {
        if !rng.chance(0.2) {
            continue;
        }
        let name = render::company_name(c);
        let industry = pools::INDUSTRIES[usize::from(c.industry)];
        let mut h = HostileCompany::default();
        match rng.index(3) {
            0 => h.name = Some(hostile_text(&mut rng, &name)),
            1 => h.industry = Some(hostile_text(&mut rng, industry)),
            _ => {
                h.name = Some(hostile_text(&mut rng, &name));
                h.industry = Some(hostile_text(&mut rng, industry));
            }
        }
        if rng.chance(0.1) {
            h.mangle = Some(Mangle::pick(&mut rng));
        }
        c.hostile = Some(Box::new(h));
    }
    // No PRNG draw: the rest of the hostile data is the same with or without these.
    let plain = persons.iter_mut().filter(|p| p.hostile.is_none());
    for (p, name) in plain.zip(FAITHFUL_NAMES) {
        p.hostile = Some(Box::new(HostilePerson {
            name: Some((*name).to_owned()),
            ..HostilePerson::default()
        }));
    }
}
