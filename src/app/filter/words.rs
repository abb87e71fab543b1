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
        match self {
            Field::Name => 12,
            Field::Company => 10,
            Field::Headline => 6,
            Field::Industry => 4,
            Field::Email | Field::Domain => 3,
        }
    }
}

/// Qualifier names (`company:labs`) and the field each searches.
pub const QUALIFIERS: [(&str, Field); 7] = [
    ("name", Field::Name),
    ("company", Field::Company),
    ("headline", Field::Headline),
    ("title", Field::Headline),
    ("email", Field::Email),
    ("domain", Field::Domain),
    ("industry", Field::Industry),
];

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

    /// Could this alternative match anywhere in the row? A cheap test over the whole row that
    /// never says no to a real match (it may say yes to letters spread over two fields).
    fn may_match(&self, row: &str) -> bool {
        match self.kind {
            Kind::Fuzzy => field_with_subsequence(row, &self.needle, &self.chars).is_some(),
            _ => self.finder.find(row.as_bytes()).is_some(),
        }
    }

    /// The score of this alternative in one field, `None` when it does not match there.
    fn score(&self, field: &str, m: &mut Scorer) -> Option<u32> {
        match self.kind {
            Kind::Contains => contains_score(field, &self.needle),
            Kind::Prefix => field.starts_with(self.needle.as_str()).then_some(150),
            Kind::Suffix => field.ends_with(self.needle.as_str()).then_some(120),
            Kind::Whole => (field == self.needle).then_some(220),
            Kind::Fuzzy => {
                field_with_subsequence(field, &self.needle, &self.chars)?;
                let hay = Utf32Str::new(field, &mut m.buf);
                // The optimal matcher, not the greedy one: greedy takes the first `l` of
                // "polarcraft labs" for `~labs` and ranks the real match below a scattered one.
                let sc = m.matcher.fuzzy_match(hay, self.utf32.slice(..));
                Some(sc.map_or(1, u32::from))
            }
        }
    }
}

/// A word's score for a field that contains `needle`: higher at the start of a word, higher
/// still for a whole word or the whole field, best occurrence wins.
fn contains_score(field: &str, needle: &str) -> Option<u32> {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut best = None;
    for (p, _) in field.match_indices(needle) {
        let before = field[..p].chars().next_back();
        let after = field[p + needle.len()..].chars().next();
        let mut sc = 100;
        if !is_word(before) {
            sc += 60;
        }
        if !is_word(after) {
            sc += 30;
        }
        if p == 0 {
            sc += 20;
        }
        if needle.len() == field.len() {
            sc += 50;
        }
        best = best.max(Some(sc));
        if sc >= 190 {
            break;
        }
    }
    best
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
        if self.field.is_none() && !self.alts.iter().any(|a| a.may_match(row)) {
            return None;
        }
        let mut best = None;
        for (field, text) in Field::ALL.iter().zip(row.split(FIELD_SEP)) {
            if self.field.is_some_and(|f| f != *field) || text.is_empty() {
                continue;
            }
            for alt in &self.alts {
                if let Some(sc) = alt.score(text, m) {
                    best = best.max(Some(sc + field.weight()));
                }
            }
        }
        best
    }
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
