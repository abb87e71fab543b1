//! The text words of a filter: what a word matches in a lead's fields, and how well.
//!
//! A lead's search text (`Dataset::match_key`) is its folded fields (see `record::fold`) in
//! the order of [`Field`], separated by `FIELD_SEP`. A word matches when one of its
//! alternatives matches inside one field (any field, or the one its qualifier names); its
//! score is that of the best (alternative, field) pair, so a word that occurs as a whole word
//! in the company name outranks the same letters found mid-word in a headline.

use memchr::memmem::Finder;
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

use crate::app::record::{FIELD_SEP, fold};

/// The searched fields, in the order they appear in a lead's search text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Headline,
    Email,
    Company,
    Domain,
    Industry,
}

impl Field {
    /// Every field, in search-text order.
    pub const ALL: [Field; 6] = [
        Field::Name,
        Field::Headline,
        Field::Email,
        Field::Company,
        Field::Domain,
        Field::Industry,
    ];

    /// A small bonus by field, so equal matches rank the name above the company above the
    /// headline: it breaks ties, it never outweighs a better match.
    fn weight(self) -> u32 {
        WEIGHTS[self as usize]
    }
}

/// How one alternative of a word matches a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The default: the field contains the text.
    Contains,
    /// `~word`: the field contains the letters in order (a subsequence), fzf-style.
    Fuzzy,
    /// `^word`: the field starts with the text.
    Prefix,
    /// `word$`: the field ends with the text.
    Suffix,
    /// `^word$`: the field is the text.
    Whole,
}

/// One alternative of a word (`company:labs,data` has two).
#[derive(Debug)]
pub struct Alt {
    pub kind: Kind,
    /// Folded like the search text.
    pub needle: String,
    chars: Vec<char>,
    utf32: Utf32String,
    finder: Finder<'static>,
}

impl Alt {
    /// Parse one alternative as typed: `~fuzzy`, `'contains` (the default, kept for old
    /// habits), `^prefix`, `suffix$`, `"a phrase"`. `None` when nothing is left to match.
    pub fn parse(raw: &str) -> Option<Alt> {
        let (mut kind, mut rest) = match raw.strip_prefix('~') {
            Some(r) => (Kind::Fuzzy, r),
            None => (Kind::Contains, raw.strip_prefix('\'').unwrap_or(raw)),
        };
        if kind == Kind::Contains {
            if let Some(r) = rest.strip_prefix('^') {
                kind = Kind::Prefix;
                rest = r;
            }
            if let Some(r) = rest.strip_suffix('$').filter(|r| !r.is_empty()) {
                kind = if kind == Kind::Prefix {
                    Kind::Whole
                } else {
                    Kind::Suffix
                };
                rest = r;
            }
        }
        let text: String = rest.chars().filter(|&c| c != '"').collect();
        let needle = fold(&text);
        if needle.is_empty() {
            return None;
        }
        let chars = needle.chars().collect();
        Some(Alt {
            kind,
            utf32: Utf32String::from(needle.as_str()),
            finder: Finder::new(needle.as_bytes()).into_owned(),
            chars,
            needle,
        })
    }

    /// The best score of this alternative in `row` (fields as in [`Field::ALL`], separated
    /// by `FIELD_SEP`), in any field or only in `only`; `None` when it matches nowhere.
    fn best(&self, row: &str, only: Option<Field>, m: &mut Scorer) -> Option<u32> {
        if self.kind == Kind::Contains {
            return self.best_contains(row, only);
        }
        if self.kind == Kind::Fuzzy {
            // Letters together anywhere (a substring) outrank letters spread out anywhere,
            // so the substring pass alone decides when it finds one.
            if let Some(sc) = self.best_contains(row, only) {
                return Some(sc + CONTIGUOUS);
            }
            return self.best_spread(row, only, m);
        }
        // One pass over the row rejects most rows before any field is scored.
        let rejected = match self.kind {
            Kind::Fuzzy => field_with_subsequence(row, &self.needle, &self.chars).is_none(),
            _ => self.finder.find(row.as_bytes()).is_none(),
        };
        if only.is_none() && rejected {
            return None;
        }
        let mut best = None;
        for (field, text) in Field::ALL.iter().zip(row.split(FIELD_SEP)) {
            if only.is_some_and(|f| f != *field) || text.is_empty() {
                continue;
            }
            if let Some(sc) = self.score(text, m) {
                best = best.max(Some(sc + field.weight()));
            }
        }
        best
    }

    /// [`Alt::best`] for fuzzy letters that are not together in any field: one pass finds
    /// the fields that hold them in order, and only those get the greedy matcher's score.
    fn best_spread(&self, row: &str, only: Option<Field>, m: &mut Scorer) -> Option<u32> {
        let (mask, bounds) = fields_with_subsequence(row, &self.needle, &self.chars);
        let mut best = None;
        for (k, field) in Field::ALL.iter().enumerate() {
            if mask & (1 << k) == 0 || only.is_some_and(|f| f != *field) {
                continue;
            }
            let end = bounds[k + 1].saturating_sub(1).min(row.len());
            let Some(text) = row.get(bounds[k]..end) else {
                continue;
            };
            let hay = Utf32Str::new(text, &mut m.buf);
            let sc = m.matcher.fuzzy_match_greedy(hay, self.utf32.slice(..));
            best = best.max(Some(sc.map_or(1, u32::from) + field.weight()));
        }
        best
    }

    /// [`Alt::best`] for a substring: a SIMD search finds the first occurrence (most rows
    /// have none and stop there), then one byte loop scores every occurrence where it is,
    /// counting field separators as it goes. A keystroke at 100,000 leads runs this on
    /// nearly every row (`a`), so it allocates nothing and decodes a character only next to
    /// non-ASCII text.
    fn best_contains(&self, row: &str, only: Option<Field>) -> Option<u32> {
        let bytes = row.as_bytes();
        let needle = self.needle.as_bytes();
        let (from, to, k0) = match only {
            None => (0, bytes.len(), 0),
            Some(f) => {
                let k = Field::ALL.iter().position(|x| *x == f).unwrap_or(0);
                let (a, b) = field_range(bytes, k)?;
                (a, b, k)
            }
        };
        let first = from + self.finder.find(&bytes[from..to])?;
        if needle.len() == 1 && only.is_none() {
            return Some(self.best_one_letter(row, first));
        }
        let sep = FIELD_SEP as u8;
        let mut k = k0 + memchr::memchr_iter(sep, &bytes[from..first]).count();
        if needle.len() < EVERY_OCCURRENCE_FROM {
            return Some(self.best_first_in_each_field(row, first, to, k));
        }
        let lead = needle[0];
        let last = to - needle.len();
        let mut best = 0u32;
        // Jump from one candidate byte (the needle's first, or a separator) to the next.
        for p in memchr::memchr2_iter(lead, sep, &bytes[first..=last]) {
            let p = first + p;
            if bytes[p] == sep {
                k += 1;
            } else if bytes[p + 1..p + needle.len()] == needle[1..] {
                let weight = WEIGHTS.get(k).copied().unwrap_or(0);
                let sc = occurrence_score(row, p, needle.len()) + weight;
                if sc > best {
                    best = sc;
                    if sc == BEST_OCCURRENCE + Field::Name.weight() {
                        break;
                    }
                }
            }
        }
        Some(best)
    }

    /// [`Alt::best_contains`] for one letter, which occurs in nearly every lead, about ten
    /// times a row: its first occurrence in the row (the earliest field, so the name before
    /// the company). The next keystroke refines the order; scoring every occurrence, or every
    /// field start, cost 2–3 ms more per keystroke at 100,000 leads.
    fn best_one_letter(&self, row: &str, first: usize) -> u32 {
        let sep = FIELD_SEP as u8;
        let k = row.as_bytes()[..first]
            .iter()
            .filter(|b| **b == sep)
            .count();
        occurrence_score(row, first, 1) + WEIGHTS.get(k).copied().unwrap_or(0)
    }

    /// [`Alt::best_contains`] for a short needle, which occurs all over a row (`la`): each
    /// field is scored on its first occurrence only, then the search jumps to the next field,
    /// so a row costs a few SIMD searches instead of a visit to every `a`.
    fn best_first_in_each_field(&self, row: &str, first: usize, to: usize, k0: usize) -> u32 {
        let bytes = row.as_bytes();
        let sep = FIELD_SEP as u8;
        let n = self.needle.len();
        let (mut best, mut k, mut p) = (0u32, k0, first);
        loop {
            let weight = WEIGHTS.get(k).copied().unwrap_or(0);
            best = best.max(occurrence_score(row, p, n) + weight);
            // On to the next field that has the needle.
            let Some(end) = memchr::memchr(sep, &bytes[p..to]) else {
                return best;
            };
            let from = p + end + 1;
            let Some(next) = self.finder.find(&bytes[from..to]) else {
                return best;
            };
            k += 1 + memchr::memchr_iter(sep, &bytes[from..from + next]).count();
            p = from + next;
        }
    }

    /// The score of this alternative in one field, `None` when it does not match there.
    fn score(&self, field: &str, m: &mut Scorer) -> Option<u32> {
        match self.kind {
            Kind::Contains => self.score_contiguous(field),
            Kind::Prefix => field.starts_with(self.needle.as_str()).then_some(150),
            Kind::Suffix => field.ends_with(self.needle.as_str()).then_some(120),
            Kind::Whole => (field == self.needle).then_some(220),
            Kind::Fuzzy => {
                // Only reached when no field has the letters together (`Alt::best` scores
                // those first, and they outrank letters spread out): the greedy matcher's
                // score. Greedy alone would take the first `l` of "polarcraft labs" for
                // `~labs` and rank the real match low; nucleo's optimal matcher gets that
                // right but costs 3–4× more per field.
                field_with_subsequence(field, &self.needle, &self.chars)?;
                let hay = Utf32Str::new(field, &mut m.buf);
                let sc = m.matcher.fuzzy_match_greedy(hay, self.utf32.slice(..));
                Some(sc.map_or(1, u32::from))
            }
        }
    }

    /// The best occurrence of the needle as a substring of one field.
    fn score_contiguous(&self, field: &str) -> Option<u32> {
        let mut best = None;
        for p in self.finder.find_iter(field.as_bytes()) {
            let sc = occurrence_score(field, p, self.needle.len());
            best = best.max(Some(sc));
        }
        best
    }
}

/// Needles this long or longer are scored on their best occurrence in each field; two
/// letters on their first occurrence in each field, one letter on its first occurrence in the
/// row (such short words occur all over a row, match most leads, and the next keystroke
/// refines the order).
const EVERY_OCCURRENCE_FROM: usize = 3;

/// Added to a fuzzy word's score when its letters occur together in the field: above any
/// score the greedy matcher gives letters spread out.
const CONTIGUOUS: u32 = 1000;

/// The best score one occurrence can have (see [`occurrence_score`]).
const BEST_OCCURRENCE: u32 = 260;

/// [`Field::weight`] by position in the row (the order of [`Field::ALL`]): name 12, headline
/// 6, email 3, company 10, domain 3, industry 4.
const WEIGHTS: [u32; 6] = [12, 6, 3, 10, 3, 4];

/// The byte range of field `k` of a row.
fn field_range(bytes: &[u8], k: usize) -> Option<(usize, usize)> {
    let sep = FIELD_SEP as u8;
    let mut start = 0;
    for _ in 0..k {
        start += memchr::memchr(sep, &bytes[start..])? + 1;
    }
    let end = memchr::memchr(sep, &bytes[start..]).map_or(bytes.len(), |p| start + p);
    Some((start, end))
}

/// The score of the needle found at byte `p` (length `n`) of a row or a field: higher at the
/// start of a word, higher still for a whole word, the field's start, or the whole field.
/// Fields are separated by `FIELD_SEP`, which is not a word character, so the field's bounds
/// need no separate test.
#[inline]
fn occurrence_score(text: &str, p: usize, n: usize) -> u32 {
    let bytes = text.as_bytes();
    let sep = FIELD_SEP as u8;
    let field_start = p == 0 || bytes[p - 1] == sep;
    let word_char_before = !field_start && {
        let b = bytes[p - 1];
        if b.is_ascii() {
            b.is_ascii_alphanumeric()
        } else {
            text[..p]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        }
    };
    let q = p + n;
    let field_end = q == bytes.len() || bytes[q] == sep;
    let word_char_after = !field_end && {
        let b = bytes[q];
        if b.is_ascii() {
            b.is_ascii_alphanumeric()
        } else {
            text[q..].chars().next().is_some_and(char::is_alphanumeric)
        }
    };
    let mut sc = 100;
    if !word_char_before {
        sc += 60;
    }
    if !word_char_after {
        sc += 30;
    }
    if field_start {
        sc += 20;
    }
    if field_start && field_end {
        sc += 50;
    }
    sc
}

/// One word of the filter: alternatives (ORed) in one field or any, maybe negated.
#[derive(Debug)]
pub struct Term {
    /// The field a qualifier names; `None`: any field.
    pub field: Option<Field>,
    pub alts: Vec<Alt>,
    /// `!word` / `-word`: the lead must not match.
    pub negated: bool,
}

impl Term {
    /// Does the word hold for this row, and with what score (0 for a negated word)?
    pub fn score(&self, row: &str, m: &mut Scorer) -> Option<u32> {
        let best = self.best(row, m);
        match (best, self.negated) {
            (Some(_), true) | (None, false) => None,
            (None, true) => Some(0),
            (Some(sc), false) => Some(sc),
        }
    }

    fn best(&self, row: &str, m: &mut Scorer) -> Option<u32> {
        let mut best = None;
        for alt in &self.alts {
            best = best.max(alt.best(row, self.field, m));
        }
        best
    }
}

/// Which fields of `row` hold `needle`'s letters in order (bit k for field k), and where
/// each field starts (`bounds[k]`; `bounds[k + 1] - 1` is where it ends, the last one ending
/// at the row's end), found in one pass over the row.
pub(super) fn fields_with_subsequence(row: &str, needle: &str, want: &[char]) -> (u8, [usize; 8]) {
    let bytes = row.as_bytes();
    let sep = FIELD_SEP as u8;
    let mut bounds = [bytes.len() + 1; 8];
    bounds[0] = 0;
    let mut mask = 0u8;
    let (mut field, mut k) = (0usize, 0usize);
    if want.is_empty() {
        return (0, bounds);
    }
    if needle.is_ascii() {
        let want = needle.as_bytes();
        let mut at = 0;
        while let Some(p) = memchr::memchr2(want[k], sep, &bytes[at..]) {
            let i = at + p;
            if bytes[i] == sep {
                field += 1;
                if field < 7 {
                    bounds[field] = i + 1;
                }
                k = 0;
                at = i + 1;
                continue;
            }
            k += 1;
            at = i + 1;
            if k == want.len() {
                mask |= 1 << field.min(7);
                // On to the next field.
                match memchr::memchr(sep, &bytes[at..]) {
                    Some(q) => {
                        at += q;
                        k = 0;
                    }
                    None => break,
                }
            }
        }
    } else {
        for (i, c) in row.char_indices() {
            if c == FIELD_SEP {
                field += 1;
                if field < 7 {
                    bounds[field] = i + 1;
                }
                k = 0;
            } else if k < want.len() && c == want[k] {
                k += 1;
                if k == want.len() {
                    mask |= 1 << field.min(7);
                }
            }
        }
    }
    // Fields after the last separator seen start past the end (empty).
    for b in bounds.iter_mut().skip(field + 1) {
        *b = bytes.len() + 1;
    }
    (mask, bounds)
}

/// The first field of `row` that contains `needle` as a subsequence, found in one pass.
/// `want` is `needle` as characters (kept by the caller, so no allocation per row).
pub fn field_with_subsequence<'r>(row: &'r str, needle: &str, want: &[char]) -> Option<&'r str> {
    let field_at = |start: usize, at: usize| {
        let end = row[at..].find(FIELD_SEP).map_or(row.len(), |p| at + p);
        &row[start..end]
    };
    if want.is_empty() {
        return row.split(FIELD_SEP).find(|f| !f.is_empty());
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

/// The fuzzy matcher and its scratch buffer, reused across leads.
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
