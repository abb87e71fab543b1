//! The filter language: fuzzy text (nucleo, helix's matcher) over name, headline, email,
//! company and domain, combined with tokens:
//!
//! * `status:new|contacted|dismissed|unknown` (the status shown, pending changes included)
//! * `is:failed`, `is:pending`, `is:selected`
//! * `score:3`, `score:>=2`, `signals:>2`, `signals:<=1` (`=`, `>`, `>=`, `<`, `<=`)
//!
//! Every token must hold (AND); the rest of the input is one fuzzy pattern (nucleo syntax:
//! words are ANDed, `^prefix`, `suffix$`, `'exact`, `!not`), matched ignoring case.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::record::fold;

use crate::api::Status;

/// A comparison of a token such as `signals:>2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq(f64),
    Gt(f64),
    Ge(f64),
    Lt(f64),
    Le(f64),
}

impl Cmp {
    fn parse(s: &str) -> Option<Cmp> {
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
        let v: f64 = rest.trim().parse().ok()?;
        v.is_finite().then(|| ctor(v))
    }

    pub fn holds(self, x: f64) -> bool {
        match self {
            Cmp::Eq(v) => x == v,
            Cmp::Gt(v) => x > v,
            Cmp::Ge(v) => x >= v,
            Cmp::Lt(v) => x < v,
            Cmp::Le(v) => x <= v,
        }
    }
}

/// A parsed filter.
#[derive(Debug, Default)]
pub struct Query {
    /// The fuzzy part, as typed (may be empty).
    pub text: String,
    pub status: Option<Status>,
    pub failed: bool,
    pub pending: bool,
    pub selected: bool,
    pub score: Option<Cmp>,
    pub signals: Option<Cmp>,
    /// Tokens that could not be understood (shown to the rep, otherwise ignored).
    pub errors: Vec<String>,
    pattern: Option<Pattern>,
}

impl Query {
    /// Parse the filter input.
    pub fn parse(input: &str) -> Query {
        let mut q = Query::default();
        let mut text: Vec<&str> = Vec::new();
        for word in input.split_whitespace() {
            let Some((key, value)) = word.split_once(':') else {
                text.push(word);
                continue;
            };
            match key.to_ascii_lowercase().as_str() {
                "status" => match Status::from_name(&value.to_ascii_lowercase()) {
                    Some(s) => q.status = Some(s),
                    None => q.errors.push(format!("unknown status {value:?}")),
                },
                "is" => match value.to_ascii_lowercase().as_str() {
                    "failed" => q.failed = true,
                    "pending" => q.pending = true,
                    "selected" => q.selected = true,
                    _ => q
                        .errors
                        .push(format!("is:{value}? (failed, pending, selected)")),
                },
                "score" => match Cmp::parse(value) {
                    Some(c) => q.score = Some(c),
                    None => q.errors.push(format!("score:{value}? (e.g. score:3)")),
                },
                "signals" => match Cmp::parse(value) {
                    Some(c) => q.signals = Some(c),
                    None => q.errors.push(format!("signals:{value}? (e.g. signals:>2)")),
                },
                _ => text.push(word),
            }
        }
        q.text = text.join(" ");
        if !q.text.is_empty() {
            // Haystacks are folded when a lead arrives; fold the query the same way.
            let p = Pattern::parse(&fold(&q.text), CaseMatching::Ignore, Normalization::Never);
            if !p.atoms.is_empty() {
                q.pattern = Some(p);
            }
        }
        q
    }

    /// No condition at all: every lead passes.
    pub fn is_empty(&self) -> bool {
        self.pattern.is_none()
            && self.status.is_none()
            && !self.failed
            && !self.pending
            && !self.selected
            && self.score.is_none()
            && self.signals.is_none()
    }

    /// There is at least one token (status, is, score, signals).
    pub fn has_tokens(&self) -> bool {
        self.status.is_some()
            || self.failed
            || self.pending
            || self.selected
            || self.score.is_some()
            || self.signals.is_some()
    }

    /// There is fuzzy text (results are then ranked by match quality).
    pub fn is_fuzzy(&self) -> bool {
        self.pattern.is_some()
    }

    /// Score of the fuzzy part against a folded haystack (`Dataset::match_key`): `Some(0)`
    /// when there is no fuzzy part, `None` when it does not match.
    ///
    /// Fuzzy atoms use nucleo's greedy matcher: it matches exactly the same haystacks as the
    /// optimal one (a haystack matches when the needle is a subsequence of it) in O(n), so a
    /// keystroke over 100,000 leads stays within a frame; its score ranks a little less
    /// precisely, which only affects the order of equally plausible matches.
    pub fn fuzzy_score(&self, haystack: &str, m: &mut Scorer) -> Option<u32> {
        let Some(p) = &self.pattern else {
            return Some(0);
        };
        let hay = Utf32Str::new(haystack, &mut m.buf);
        let mut total = 0u32;
        for atom in &p.atoms {
            let needle = atom.needle_text();
            let found = match atom.kind {
                AtomKind::Fuzzy => m.matcher.fuzzy_match_greedy(hay, needle),
                AtomKind::Substring => m.matcher.substring_match(hay, needle),
                AtomKind::Prefix => m.matcher.prefix_match(hay, needle),
                AtomKind::Postfix => m.matcher.postfix_match(hay, needle),
                AtomKind::Exact => m.matcher.exact_match(hay, needle),
                // A kind added by a later nucleo: its own scoring, which already accounts
                // for negation.
                _ => {
                    total += u32::from(atom.score(hay, &mut m.matcher)?);
                    continue;
                }
            };
            match (found, atom.negative) {
                (Some(_), true) | (None, false) => return None,
                (Some(s), false) => total += u32::from(s),
                (None, true) => {}
            }
        }
        Some(total)
    }
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
    /// Do the tokens hold for these facts?
    pub fn tokens_hold(&self, f: &Facts) -> bool {
        self.status.is_none_or(|s| s == f.shown)
            && (!self.failed || f.failed)
            && (!self.pending || f.pending)
            && (!self.selected || f.selected)
            && self
                .score
                .is_none_or(|c| f.score.is_some_and(|s| c.holds(s)))
            && self.signals.is_none_or(|c| c.holds(f64::from(f.signals)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_text_are_separated() {
        let q = Query::parse("acme status:new signals:>2 is:failed score:3 vp");
        assert_eq!(q.text, "acme vp");
        assert_eq!(q.status, Some(Status::New));
        assert_eq!(q.signals, Some(Cmp::Gt(2.0)));
        assert_eq!(q.score, Some(Cmp::Eq(3.0)));
        assert!(q.failed && !q.pending && q.errors.is_empty());
        assert!(q.is_fuzzy());
        let q = Query::parse("status:responded is:weird signals:lots");
        assert_eq!(q.errors.len(), 3);
        assert!(q.is_empty());
        assert!(
            Query::parse("https://x.io").is_fuzzy(),
            "unknown keys are text"
        );
    }

    #[test]
    fn fuzzy_scores() {
        let mut m = Scorer::default();
        let q = Query::parse("ZBO");
        assert!(q.fuzzy_score(&fold("Zoë Brennan-Okafor"), &mut m).is_some());
        assert!(q.fuzzy_score(&fold("Marek Dvořák"), &mut m).is_none());
        assert!(
            Query::parse("dvorak")
                .fuzzy_score(&fold("Marek Dvořák"), &mut m)
                .is_some()
        );
        assert!(
            Query::parse("!marek")
                .fuzzy_score(&fold("Marek"), &mut m)
                .is_none()
        );
        assert!(
            Query::parse("'rek")
                .fuzzy_score(&fold("Marek"), &mut m)
                .is_some()
        );
        assert!(
            Query::parse("^rek")
                .fuzzy_score(&fold("Marek"), &mut m)
                .is_none()
        );
        assert_eq!(Query::parse("").fuzzy_score("x", &mut m), Some(0));
    }
}
