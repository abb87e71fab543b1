//! The filter language: fuzzy text (nucleo, helix's matcher) over name, headline, email,
//! company and domain, combined with tokens:
//!
//! * `status:new|contacted|dismissed|unknown` (the status shown, pending changes included);
//!   a unique prefix is enough (`status:c`), several values are ORed (`status:new,contacted`
//!   or two `status:` tokens: a lead has one status, so AND would always be empty)
//! * `is:failed`, `is:pending`, `is:selected` (prefixes too: `is:f`)
//! * `score:3`, `score:>=2`, `signals:>2`, `signals:<=1`, `score:2..3` (`=`, `>`, `>=`, `<`,
//!   `<=`, an inclusive range `a..b`)
//! * `!` or `-` before a token negates it: `!status:dismissed`, `-is:selected`
//!
//! Tokens of different kinds must all hold (AND). The rest of the input is one fuzzy pattern
//! (nucleo syntax: words are ANDed, `^prefix`, `suffix$`, `'exact`, `!not`), matched ignoring
//! case and accents. Each word must match inside one field (`^`/`$` anchor to the start/end
//! of a field), so letters scattered across a whole row do not count as a match.
//!
//! A token that cannot be understood is an error: it is shown to the rep and nothing matches
//! until it is fixed, so a typo like `status:contaced` never silently selects every lead.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::record::{FIELD_SEP, fold};

use crate::api::Status;

/// A comparison of a token such as `signals:>2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq(f64),
    Gt(f64),
    Ge(f64),
    Lt(f64),
    Le(f64),
    /// Inclusive range `a..b`.
    Between(f64, f64),
}

impl Cmp {
    fn parse(s: &str) -> Option<Cmp> {
        let num = |t: &str| t.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        if let Some((a, b)) = s.split_once("..") {
            let (a, b) = (num(a)?, num(b)?);
            return Some(Cmp::Between(a.min(b), a.max(b)));
        }
        let (ctor, rest): (fn(f64) -> Cmp, &str) = if let Some(r) = s.strip_prefix(">=") {
            (Cmp::Ge, r)
        } else if let Some(r) = s.strip_prefix("<=") {
            (Cmp::Le, r)
        } else if let Some(r) = s.strip_prefix('>') {
            (Cmp::Gt, r)
        } else if let Some(r) = s.strip_prefix('<') {
            (Cmp::Lt, r)
        } else if let Some(r) = s.strip_prefix('=') {
            (Cmp::Eq, r)
        } else {
            (Cmp::Eq, s)
        };
        num(rest).map(ctor)
    }

    pub fn holds(self, x: f64) -> bool {
        match self {
            Cmp::Eq(v) => x == v,
            Cmp::Gt(v) => x > v,
            Cmp::Ge(v) => x >= v,
            Cmp::Lt(v) => x < v,
            Cmp::Le(v) => x <= v,
            Cmp::Between(a, b) => a <= x && x <= b,
        }
    }
}

/// The statuses a `status:` token names, as names for prefix matching.
const STATUS_NAMES: [(&str, Status); 4] = [
    ("new", Status::New),
    ("contacted", Status::Contacted),
    ("dismissed", Status::Dismissed),
    ("unknown", Status::Unknown),
];

/// A set of statuses (bit per status).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusSet(u8);

impl StatusSet {
    const ALL: StatusSet = StatusSet(0b1111);

    fn bit(s: Status) -> u8 {
        match s {
            Status::New => 1,
            Status::Contacted => 2,
            Status::Dismissed => 4,
            Status::Unknown => 8,
        }
    }

    pub fn contains(self, s: Status) -> bool {
        self.0 & Self::bit(s) != 0
    }

    fn insert(&mut self, s: Status) {
        self.0 |= Self::bit(s);
    }
}

/// `value` is `name` or a prefix of exactly one of `names`.
fn resolve<'a, T: Copy>(value: &str, names: &'a [(&'a str, T)]) -> Option<T> {
    if let Some((_, t)) = names.iter().find(|(n, _)| *n == value) {
        return Some(*t);
    }
    let mut hits = names.iter().filter(|(n, _)| n.starts_with(value));
    match (hits.next(), hits.next()) {
        (Some((_, t)), None) if !value.is_empty() => Some(*t),
        _ => None,
    }
}

/// What `is:` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Is {
    Failed,
    Pending,
    Selected,
}

const IS_NAMES: [(&str, Is); 3] = [
    ("failed", Is::Failed),
    ("pending", Is::Pending),
    ("selected", Is::Selected),
];

/// A parsed filter.
#[derive(Debug, Default)]
pub struct Query {
    /// The fuzzy part, as typed (may be empty).
    pub text: String,
    /// Statuses a lead may show (`None`: any).
    pub statuses: Option<StatusSet>,
    /// `Some(true)`: must be failed; `Some(false)`: must not be.
    pub failed: Option<bool>,
    pub pending: Option<bool>,
    pub selected: Option<bool>,
    pub score: Vec<Cmp>,
    pub signals: Vec<Cmp>,
    /// Tokens that could not be understood: shown to the rep, and nothing matches.
    pub errors: Vec<String>,
    pattern: Option<Pattern>,
    /// Each atom's needle as text (folded like the haystacks) and as characters.
    needles: Vec<(String, Vec<char>)>,
}

impl Query {
    /// Parse the filter input.
    pub fn parse(input: &str) -> Query {
        let mut q = Query::default();
        let mut text: Vec<&str> = Vec::new();
        let (mut allow, mut deny) = (StatusSet::default(), StatusSet::default());
        let mut any_allow = false;
        for word in input.split_whitespace() {
            let Some((key, value)) = word.split_once(':') else {
                text.push(word);
                continue;
            };
            let (negated, bare) = match key.strip_prefix(['!', '-']) {
                Some(k) => (true, k),
                None => (false, key),
            };
            let value_lc = value.to_lowercase();
            match bare.to_ascii_lowercase().as_str() {
                "status" => {
                    for part in value_lc.split(',').filter(|p| !p.is_empty()) {
                        match resolve(part, &STATUS_NAMES) {
                            Some(st) if negated => deny.insert(st),
                            Some(st) => {
                                allow.insert(st);
                                any_allow = true;
                            }
                            None => q.errors.push(format!(
                                "status:{part}? (new, contacted, dismissed, unknown)"
                            )),
                        }
                    }
                    if value_lc.split(',').all(str::is_empty) {
                        q.errors
                            .push("status:? (new, contacted, dismissed, unknown)".into());
                    }
                }
                // Flags are independent, so a comma list would be ambiguous (AND or OR?).
                "is" if value.contains(',') => q.errors.push(format!(
                    "is:{value}? one value per token (is:{})",
                    value.replace(',', " is:")
                )),
                "is" => match resolve(value_lc.as_str(), &IS_NAMES) {
                    Some(which) => {
                        let slot = match which {
                            Is::Failed => &mut q.failed,
                            Is::Pending => &mut q.pending,
                            Is::Selected => &mut q.selected,
                        };
                        let want = !negated;
                        if slot.is_some_and(|w| w != want) {
                            q.errors
                                .push(format!("is:{value} and !is:{value} together"));
                        }
                        *slot = Some(want);
                    }
                    None => q
                        .errors
                        .push(format!("is:{value}? (failed, pending, selected)")),
                },
                "score" | "signals" => {
                    let named = bare.to_ascii_lowercase();
                    match Cmp::parse(value) {
                        Some(_) if negated => q.errors.push(format!(
                            "!{named}:{value}? (use the opposite comparison, e.g. {named}:<3)"
                        )),
                        Some(c) if named == "score" => q.score.push(c),
                        Some(c) => q.signals.push(c),
                        None => q.errors.push(format!(
                            "{named}:{value}? (e.g. {named}:3, {named}:>2, {named}:1..3)"
                        )),
                    }
                }
                // `word:…` with an unknown word is almost always a mistyped token
                // (`stauts:new`); a URL (`https://…`) or a time (`10:30`) is text.
                other
                    if !other.is_empty()
                        && other.chars().all(|c| c.is_ascii_alphabetic())
                        && !value.starts_with('/') =>
                {
                    q.errors.push(format!(
                        "{other}:? is not a token (status:, is:, score:, signals:)"
                    ));
                }
                _ => text.push(word),
            }
        }
        if any_allow || deny != StatusSet::default() {
            let base = if any_allow { allow } else { StatusSet::ALL };
            q.statuses = Some(StatusSet(base.0 & !deny.0));
        }
        q.text = text.join(" ");
        if !q.text.is_empty() {
            // Haystacks are folded when a lead arrives; fold the query the same way.
            let p = Pattern::parse(&fold(&q.text), CaseMatching::Ignore, Normalization::Never);
            if !p.atoms.is_empty() {
                q.needles = p
                    .atoms
                    .iter()
                    .map(|a| {
                        let text: String = a.needle_text().chars().collect();
                        let chars = text.chars().collect();
                        (text, chars)
                    })
                    .collect();
                q.pattern = Some(p);
            }
        }
        q
    }

    /// No condition at all: every lead passes.
    pub fn is_empty(&self) -> bool {
        self.pattern.is_none() && !self.has_tokens()
    }

    /// There is at least one token (status, is, score, signals), or an error.
    pub fn has_tokens(&self) -> bool {
        self.statuses.is_some()
            || self.failed.is_some()
            || self.pending.is_some()
            || self.selected.is_some()
            || !self.score.is_empty()
            || !self.signals.is_empty()
            || !self.errors.is_empty()
    }

    /// There is fuzzy text (results are then ranked by match quality).
    pub fn is_fuzzy(&self) -> bool {
        self.pattern.is_some()
    }

    /// Score of the fuzzy part against a folded haystack (`Dataset::match_key`, fields
    /// separated by `FIELD_SEP`): `Some(0)` when there is no fuzzy part, `None` when it does
    /// not match. Each atom must match inside one field; it is scored on the first field (in
    /// the order name, headline, email, company, domain) where it matches.
    ///
    /// Which field a fuzzy atom matches in is found by one scan of the row (a subsequence
    /// test that restarts at each field), so a row costs one pass plus, when it matches, one
    /// call of nucleo's greedy matcher for the score; at 100,000 leads a keystroke stays
    /// within a frame. The greedy matcher matches exactly the haystacks the optimal one does;
    /// its score ranks a little less precisely, which only affects the order of equally
    /// plausible matches.
    pub fn fuzzy_score(&self, haystack: &str, m: &mut Scorer) -> Option<u32> {
        let Some(p) = &self.pattern else {
            return Some(0);
        };
        let mut total = 0u32;
        for (atom, (needle, chars)) in p.atoms.iter().zip(&self.needles) {
            let field = match atom.kind {
                AtomKind::Fuzzy => field_with_subsequence(haystack, needle, chars),
                // Haystack and needle are folded, so the other kinds are plain string tests
                // (nucleo 0.3's own versions miss some matches; see docs/architecture.md).
                AtomKind::Substring => haystack
                    .contains(needle.as_str())
                    .then(|| fields(haystack).find(|f| f.contains(needle.as_str())))
                    .flatten(),
                AtomKind::Prefix => fields(haystack).find(|f| f.starts_with(needle.as_str())),
                AtomKind::Postfix => fields(haystack).find(|f| f.ends_with(needle.as_str())),
                AtomKind::Exact => fields(haystack).find(|f| *f == needle),
                // A kind added by a later nucleo: its own scoring (negation included).
                _ => {
                    let mut best = None;
                    for f in fields(haystack) {
                        let hay = Utf32Str::new(f, &mut m.buf);
                        if let Some(sc) = atom.score(hay, &mut m.matcher) {
                            best = Some(u32::from(sc));
                            break;
                        }
                    }
                    match best {
                        Some(sc) => {
                            total += sc;
                            continue;
                        }
                        None => return None,
                    }
                }
            };
            match (field, atom.negative) {
                (Some(_), true) | (None, false) => return None,
                (None, true) => {}
                (Some(f), false) => {
                    let hay = Utf32Str::new(f, &mut m.buf);
                    let sc = m.matcher.fuzzy_match_greedy(hay, atom.needle_text());
                    total += u32::from(sc.unwrap_or(1));
                }
            }
        }
        Some(total)
    }
}

/// The non-empty fields of a row.
fn fields(row: &str) -> impl Iterator<Item = &str> {
    row.split(FIELD_SEP).filter(|f| !f.is_empty())
}

/// The first field of `row` that contains `needle` as a subsequence, found in one pass.
/// `chars` is `needle` as characters (kept by the caller, so no allocation per row).
fn field_with_subsequence<'r>(row: &'r str, needle: &str, want: &[char]) -> Option<&'r str> {
    let field_at = |start: usize, at: usize| {
        let end = row[at..].find(FIELD_SEP).map_or(row.len(), |p| at + p);
        &row[start..end]
    };
    if needle.is_empty() {
        return fields(row).next();
    }
    if needle.is_ascii() {
        // An ASCII byte never occurs inside a multi-byte UTF-8 character, so bytes will do;
        // memchr jumps (SIMD) to the next wanted byte or field separator.
        let want = needle.as_bytes();
        let bytes = row.as_bytes();
        let sep = FIELD_SEP as u8;
        let (mut start, mut k, mut at) = (0, 0, 0);
        while let Some(p) = memchr::memchr2(want[k], sep, &bytes[at..]) {
            let i = at + p;
            if bytes[i] == sep {
                (start, k) = (i + 1, 0);
            } else {
                k += 1;
                if k == want.len() {
                    return Some(field_at(start, i));
                }
            }
            at = i + 1;
        }
        return None;
    }
    let (mut start, mut k) = (0, 0);
    for (i, c) in row.char_indices() {
        if c == FIELD_SEP {
            (start, k) = (i + c.len_utf8(), 0);
        } else if c == want[k] {
            k += 1;
            if k == want.len() {
                return Some(field_at(start, i));
            }
        }
    }
    None
}

/// The matcher and its scratch buffer, reused across leads.
pub struct Scorer {
    matcher: Matcher,
    buf: Vec<char>,
}

impl Default for Scorer {
    fn default() -> Self {
        let mut config = Config::DEFAULT;
        // Haystack and needle are already folded.
        config.ignore_case = false;
        config.normalize = false;
        Scorer {
            matcher: Matcher::new(config),
            buf: Vec::new(),
        }
    }
}

/// What the non-text tokens need to know about one lead.
pub struct Facts {
    pub shown: Status,
    pub failed: bool,
    pub pending: bool,
    pub selected: bool,
    pub score: Option<f64>,
    pub signals: u32,
}

impl Query {
    /// Do the tokens hold for these facts? Never, while the filter has an error.
    pub fn tokens_hold(&self, f: &Facts) -> bool {
        self.errors.is_empty()
            && self.statuses.is_none_or(|set| set.contains(f.shown))
            && self.failed.is_none_or(|w| w == f.failed)
            && self.pending.is_none_or(|w| w == f.pending)
            && self.selected.is_none_or(|w| w == f.selected)
            && self
                .score
                .iter()
                .all(|c| f.score.is_some_and(|s| c.holds(s)))
            && self.signals.iter().all(|c| c.holds(f64::from(f.signals)))
    }
}

#[cfg(test)]
mod tests;
