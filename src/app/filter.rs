//! The filter language. Words and tokens are separated by spaces and must all hold (AND);
//! values separated by commas are alternatives (OR). That one rule covers every kind:
//!
//! * a plain word must occur in one field (name, headline, email, company, domain, industry)
//!   as a substring, accents and case folded: `labs` finds "Polarcraft Labs", `jose` "José";
//!   `"two words"` is one phrase; `~word` matches the letters in order (fuzzy, fzf-style);
//!   `^word` a field's start, `word$` its end, `^word$` the whole field;
//! * a qualifier limits a word to one field: `name:`, `company:`, `headline:` (or `title:`),
//!   `email:`, `domain:`, `industry:` (`company:labs,data` is Labs or Data);
//! * `status:new|contacted|dismissed|unknown` (the status shown, pending changes included); a
//!   unique prefix is enough (`status:c`); `status:new,contacted` is either. Two `status:`
//!   tokens must both hold, which a lead's one status never can: that is reported as an error
//!   that says to use a comma;
//! * `is:failed|pending|selected|changed|conflict` (`changed`: changed on Puffle by someone
//!   else since this app saw it; `conflict`: a change of yours held because of that);
//! * `score:3`, `score:>=2`, `signals:>2`, `signals:<=1`, `score:2..3` (`=`, `>`, `>=`, `<`,
//!   `<=`, an inclusive range `a..b`);
//! * `!` or `-` before a word or token negates it: `!status:dismissed`, `-company:labs`.
//!
//! A token that cannot be understood, or tokens that can never hold together, are an error:
//! it is shown to the rep and nothing matches until it is fixed, so a typo like
//! `status:contaced` never silently selects every lead. The headless `--filter` uses this same
//! code.

pub mod tokens;
mod words;

use tokens::{IS_NAMES, TokenKind};
use words::{Alt, Term};
pub use words::{Field, Scorer};

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

/// A set of statuses (bit per status).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusSet(u8);

impl StatusSet {
    const ALL: StatusSet = StatusSet((1 << Status::ALL.len()) - 1);

    fn bit(s: Status) -> u8 {
        1 << s.index()
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

/// A parsed filter.
#[derive(Debug, Default)]
pub struct Query {
    /// The words (not the tokens), as typed.
    pub text: String,
    terms: Vec<Term>,
    /// Statuses a lead may show (`None`: any).
    pub statuses: Option<StatusSet>,
    /// `is:` tokens: a mask of flags (any of them) and whether the token is negated.
    flags: Vec<(u8, bool)>,
    /// `score:` tokens, each a list of alternatives, and whether negated.
    score: Vec<(Vec<Cmp>, bool)>,
    signals: Vec<(Vec<Cmp>, bool)>,
    /// Tokens that could not be understood: shown to the rep, and nothing matches.
    pub errors: Vec<String>,
}

/// Split the input into words at spaces outside double quotes (the quotes are kept).
fn split_words(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in input.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if (c.is_whitespace() || c.is_control()) && !quoted {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else if !c.is_control() {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Split a value at commas outside double quotes.
fn alternatives(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out.retain(|a| !a.is_empty());
    out
}

/// The `!`/`-` of a negated word, and the word without it.
fn negation(word: &str) -> (bool, &str) {
    match word.strip_prefix(['!', '-']) {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, word),
    }
}

impl Query {
    /// Parse the filter input.
    pub fn parse(input: &str) -> Query {
        let mut q = Query::default();
        let mut text: Vec<&str> = Vec::new();
        let words = split_words(input);
        let mut status_tokens: Vec<(StatusSet, String)> = Vec::new();
        for word in &words {
            let (negated, bare) = negation(word);
            let token = (!bare.starts_with('"'))
                .then(|| bare.split_once(':'))
                .flatten();
            let Some((key, value)) = token else {
                q.add_words(None, bare, negated, word, &mut text);
                continue;
            };
            let key_lc = key.to_ascii_lowercase();
            match tokens::find(&key_lc).map(|t| t.kind) {
                Some(TokenKind::Field(field)) => {
                    if alternatives(value).is_empty() {
                        q.errors
                            .push(format!("{key_lc}:? needs a word (e.g. {key_lc}:labs)"));
                    } else {
                        q.add_words(Some(field), value, negated, word, &mut text);
                    }
                }
                Some(TokenKind::Status) => {
                    if let Some(set) = q.status_token(value, negated) {
                        status_tokens.push((set, word.clone()));
                    }
                }
                Some(TokenKind::Is) => q.is_token(value, negated),
                Some(kind @ (TokenKind::Score | TokenKind::Signals)) => {
                    q.cmp_token(kind, &key_lc, value, negated)
                }
                // `word:…` with an unknown word is almost always a mistyped token
                // (`stauts:new`); a URL (`https://…`) or a time (`10:30`) is text.
                None if !key_lc.is_empty()
                    && key_lc.chars().all(|c| c.is_ascii_alphabetic())
                    && !value.starts_with('/') =>
                {
                    q.errors
                        .push(format!("{key_lc}:? is not a token ({})", tokens::keys()));
                }
                None => q.add_words(None, bare, negated, word, &mut text),
            }
        }
        if !status_tokens.is_empty() {
            let all = status_tokens
                .iter()
                .fold(StatusSet::ALL, |acc, (s, _)| StatusSet(acc.0 & s.0));
            if all == StatusSet::default() && status_tokens.len() > 1 {
                let named: Vec<&str> = status_tokens.iter().map(|(_, w)| w.as_str()).collect();
                q.errors.push(format!(
                    "{} never hold together (a lead has one status): list alternatives with a comma, status:new,contacted",
                    named.join(" and ")
                ));
            }
            q.statuses = Some(all);
        }
        if !q.flags.is_empty() && !(0..32u8).any(|facts| q.flags_hold(facts)) {
            q.errors.push("these is: tokens never hold together".into());
        }
        q.text = text.join(" ");
        q
    }

    /// Add the words of `value` (alternatives separated by commas) as one term.
    fn add_words<'w>(
        &mut self,
        field: Option<Field>,
        value: &str,
        negated: bool,
        word: &'w str,
        text: &mut Vec<&'w str>,
    ) {
        let alts: Vec<Alt> = alternatives(value)
            .into_iter()
            .filter_map(Alt::parse)
            .collect();
        if alts.is_empty() {
            return;
        }
        text.push(word);
        self.terms.push(Term {
            field,
            alts,
            negated,
        });
    }

    fn status_token(&mut self, value: &str, negated: bool) -> Option<StatusSet> {
        let value = value.to_lowercase();
        let mut set = StatusSet::default();
        let parts = alternatives(&value);
        let names = Status::ALL.map(|st| (st.as_str(), st));
        let known = || names.map(|(n, _)| n).join(", ");
        if parts.is_empty() {
            self.errors.push(format!("status:? ({})", known()));
            return None;
        }
        for part in parts {
            match resolve(part, &names) {
                Some(st) => set.insert(st),
                None => {
                    self.errors.push(format!("status:{part}? ({})", known()));
                    return None;
                }
            }
        }
        Some(if negated {
            StatusSet(StatusSet::ALL.0 & !set.0)
        } else {
            set
        })
    }

    fn is_token(&mut self, value: &str, negated: bool) {
        let value = value.to_lowercase();
        let mut mask = 0u8;
        let parts = alternatives(&value);
        for part in &parts {
            match resolve(part, &IS_NAMES) {
                Some(bit) => mask |= bit,
                None => {
                    self.errors.push(format!(
                        "is:{part}? (failed, pending, selected, changed, conflict)"
                    ));
                    return;
                }
            }
        }
        if parts.is_empty() {
            self.errors
                .push("is:? (failed, pending, selected, changed, conflict)".into());
            return;
        }
        self.flags.push((mask, negated));
    }

    fn cmp_token(&mut self, kind: TokenKind, named: &str, value: &str, negated: bool) {
        let cmps: Option<Vec<Cmp>> = alternatives(value).into_iter().map(Cmp::parse).collect();
        match cmps {
            Some(c) if !c.is_empty() => {
                if kind == TokenKind::Score {
                    self.score.push((c, negated));
                } else {
                    self.signals.push((c, negated));
                }
            }
            _ => self.errors.push(format!(
                "{named}:{value}? (e.g. {named}:3, {named}:>2, {named}:1..3)"
            )),
        }
    }

    /// No condition at all: every lead passes.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && !self.has_tokens()
    }

    /// There is at least one token (status, is, score, signals), or an error.
    pub fn has_tokens(&self) -> bool {
        self.statuses.is_some()
            || !self.flags.is_empty()
            || !self.score.is_empty()
            || !self.signals.is_empty()
            || !self.errors.is_empty()
    }

    /// There are words that must match (results are then ranked by how well they match).
    pub fn ranks(&self) -> bool {
        self.terms.iter().any(|t| !t.negated)
    }

    /// Some word is fuzzy (`~word`).
    pub fn has_fuzzy(&self) -> bool {
        self.terms
            .iter()
            .any(|t| t.alts.iter().any(|a| a.kind == words::Kind::Fuzzy))
    }

    /// Score of the words against a lead's search text (`Dataset::match_key`): `Some(0)`
    /// when there are no words, `None` when one does not hold. Each word is scored on the
    /// field where it matches best, and the scores add up.
    pub fn text_score(&self, row: &str, m: &mut Scorer) -> Option<u32> {
        let mut total = 0u32;
        for term in &self.terms {
            total += term.score(row, m)?;
        }
        Some(total)
    }

    /// Does the `is:` part hold for these flags (bits as in `IS_NAMES`)?
    fn flags_hold(&self, facts: u8) -> bool {
        self.flags
            .iter()
            .all(|&(mask, negated)| (facts & mask != 0) != negated)
    }
}

/// What the non-text tokens need to know about one lead.
pub struct Facts {
    pub shown: Status,
    pub failed: bool,
    pub pending: bool,
    pub selected: bool,
    /// Changed on Puffle by someone else since this app saw it.
    pub changed: bool,
    /// A change of the rep's held because of such a change.
    pub conflict: bool,
    pub score: Option<f64>,
    pub signals: u32,
}

impl Facts {
    fn bits(&self) -> u8 {
        u8::from(self.failed)
            | u8::from(self.pending) << 1
            | u8::from(self.selected) << 2
            | u8::from(self.changed) << 3
            | u8::from(self.conflict) << 4
    }
}

/// Does one comparison token hold for `x`?
fn cmp_holds(alts: &[Cmp], negated: bool, x: Option<f64>) -> bool {
    x.is_some_and(|x| alts.iter().any(|c| c.holds(x))) != negated
}

impl Query {
    /// Do the tokens hold for these facts? Never, while the filter has an error.
    pub fn tokens_hold(&self, f: &Facts) -> bool {
        self.errors.is_empty()
            && self.statuses.is_none_or(|set| set.contains(f.shown))
            && self.flags_hold(f.bits())
            && self.score.iter().all(|(c, n)| cmp_holds(c, *n, f.score))
            && self
                .signals
                .iter()
                .all(|(c, n)| cmp_holds(c, *n, Some(f64::from(f.signals))))
    }

    /// The `is:changed` token is used (so the caller must look up who changed elsewhere).
    pub fn uses_changed(&self) -> bool {
        self.flags.iter().any(|(mask, _)| mask & 8 != 0)
    }
}

#[cfg(test)]
mod tests;
