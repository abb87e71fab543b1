//! The filter language's vocabulary, defined once: every token kind (`status:`, `is:`,
//! `score:`, the field qualifiers …) and every word form (`~fuzzy`, `^start`, commas …), each
//! with an example and what it means. The parser dispatches on [`TOKENS`], the help overlay and
//! the "not a token" error are built from it, and `tests` checks that every example parses as
//! its entry says. Adding a token is an entry here, its arm in `Query::parse`, and its tests.

use super::words::Field;

/// What a token's value is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A word limited to one field (`company:labs`).
    Field(Field),
    /// The status shown (`status:new,contacted`).
    Status,
    /// A fact about the lead in this app (`is:pending`).
    Is,
    /// The top score (`score:>=2`).
    Score,
    /// The number of signals (`signals:>2`).
    Signals,
}

/// One token kind of the filter language.
#[derive(Clone, Copy, Debug)]
pub struct Token {
    /// What comes before the colon.
    pub key: &'static str,
    pub kind: TokenKind,
    /// A filter that uses it (shown in the help overlay, parsed by the tests).
    pub example: &'static str,
    /// What it means, one line.
    pub help: &'static str,
}

const fn token(
    key: &'static str,
    kind: TokenKind,
    example: &'static str,
    help: &'static str,
) -> Token {
    Token {
        key,
        kind,
        example,
        help,
    }
}

/// Every token kind, in the order the help overlay lists them.
pub const TOKENS: [Token; 11] = [
    token(
        "name",
        TokenKind::Field(Field::Name),
        "name:ada",
        "one field: the name",
    ),
    token(
        "company",
        TokenKind::Field(Field::Company),
        "company:labs,data",
        "the company (either word)",
    ),
    token(
        "headline",
        TokenKind::Field(Field::Headline),
        "headline:cto",
        "the headline",
    ),
    token(
        "title",
        TokenKind::Field(Field::Headline),
        "title:founder",
        "the headline (another name)",
    ),
    token(
        "email",
        TokenKind::Field(Field::Email),
        "email:gmail",
        "the email address",
    ),
    token(
        "domain",
        TokenKind::Field(Field::Domain),
        "domain:^acme",
        "the company domain",
    ),
    token(
        "industry",
        TokenKind::Field(Field::Industry),
        "industry:fintech",
        "the industry",
    ),
    token(
        "status",
        TokenKind::Status,
        "status:new,c",
        "status shown (a prefix is enough)",
    ),
    token(
        "is",
        TokenKind::Is,
        "is:changed",
        "is: failed pending selected changed conflict",
    ),
    token(
        "score",
        TokenKind::Score,
        "score:>=2",
        "top score, with = > >= < <= a..b",
    ),
    token(
        "signals",
        TokenKind::Signals,
        "signals:2..5",
        "number of signals, as score:",
    ),
];

/// What `is:` can name, as bits of a mask.
pub const IS_NAMES: [(&str, u8); 5] = [
    ("failed", 1),
    ("pending", 2),
    ("selected", 4),
    ("changed", 8),
    ("conflict", 16),
];

/// The forms of a plain word, in the order the help overlay lists them.
pub const WORD_FORMS: [(&str, &str); 7] = [
    ("labs", "a field contains it (accents, case ignored)"),
    ("ada labs", "spaces: every word must hold (AND)"),
    ("labs,data", "commas: either one (OR), in any token"),
    ("\"two words\"", "a phrase"),
    ("~lbs", "fuzzy: the letters in order, in one field"),
    ("^ada  labs$", "start / end of a field; ^x$ the whole field"),
    ("-labs  !labs", "not: the lead must not match"),
];

/// The token whose key this is (keys are matched case-insensitively).
pub fn find(key: &str) -> Option<&'static Token> {
    TOKENS.iter().find(|t| t.key.eq_ignore_ascii_case(key))
}

/// Every key with its colon, for the "not a token" error.
pub fn keys() -> String {
    TOKENS
        .iter()
        .map(|t| format!("{}:", t.key))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::filter::Query;

    #[test]
    fn every_token_example_parses_and_uses_its_token() {
        for t in TOKENS {
            let q = Query::parse(t.example);
            assert!(q.errors.is_empty(), "{}: {:?}", t.example, q.errors);
            assert!(
                t.example.starts_with(&format!("{}:", t.key)),
                "the example of {} shows it",
                t.key
            );
            let used = match t.kind {
                TokenKind::Field(_) => !q.text.is_empty(),
                TokenKind::Status => q.statuses.is_some(),
                TokenKind::Is => !q.flags.is_empty(),
                TokenKind::Score => !q.score.is_empty(),
                TokenKind::Signals => !q.signals.is_empty(),
            };
            assert!(used, "{} did not act as a {:?} token", t.example, t.kind);
            assert!(!t.help.is_empty(), "{} has help", t.key);
        }
    }

    #[test]
    fn keys_are_unique_and_accepted_in_any_case() {
        for (i, t) in TOKENS.iter().enumerate() {
            assert!(
                TOKENS[i + 1..].iter().all(|o| o.key != t.key),
                "{} twice",
                t.key
            );
            assert_eq!(find(&t.key.to_uppercase()).map(|f| f.key), Some(t.key));
            assert!(keys().contains(&format!("{}:", t.key)));
        }
        let q = Query::parse("stauts:new");
        assert!(q.errors[0].contains(&keys()), "{:?}", q.errors);
    }

    #[test]
    fn every_word_form_and_is_name_parses() {
        for (example, help) in WORD_FORMS {
            let q = Query::parse(example);
            assert!(q.errors.is_empty(), "{example}: {:?}", q.errors);
            assert!(!q.text.is_empty() && !help.is_empty(), "{example}");
        }
        for (name, _) in IS_NAMES {
            let q = Query::parse(&format!("is:{name}"));
            assert!(q.errors.is_empty(), "is:{name}: {:?}", q.errors);
        }
    }
}
