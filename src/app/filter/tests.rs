use super::*;

fn facts(shown: Status) -> Facts {
    Facts {
        shown,
        failed: false,
        pending: false,
        selected: false,
        score: Some(2.5),
        signals: 3,
    }
}

#[test]
fn tokens_and_text_are_separated() {
    let q = Query::parse("acme status:new signals:>2 is:failed score:3 vp");
    assert_eq!(q.text, "acme vp");
    assert_eq!(q.statuses.map(|s| s.contains(Status::New)), Some(true));
    assert_eq!(q.signals, vec![Cmp::Gt(2.0)]);
    assert_eq!(q.score, vec![Cmp::Eq(3.0)]);
    assert_eq!((q.failed, q.pending), (Some(true), None));
    assert!(q.errors.is_empty() && q.is_fuzzy());
    for text in ["https://x.io", "10:30", "c++:x"] {
        let q = Query::parse(text);
        assert!(q.is_fuzzy() && q.errors.is_empty(), "{text} is text");
    }
}

#[test]
fn a_token_that_cannot_be_understood_matches_nothing() {
    for input in [
        "status:contaced",
        "status:",
        "is:bogus",
        "score:abc",
        "signals:lots",
        "score:2..x",
        "!score:3",
        "is:failed -is:failed",
        "stauts:new",
        "!stauts:new",
        "foo:bar",
        "is:selected,pending",
    ] {
        let q = Query::parse(input);
        assert!(!q.errors.is_empty(), "{input}: no error");
        assert!(!q.is_empty(), "{input}: an error is not an empty filter");
        for st in [Status::New, Status::Contacted, Status::Dismissed] {
            assert!(!q.tokens_hold(&facts(st)), "{input} matched");
        }
    }
    let q = Query::parse("status:contaced");
    assert!(q.errors[0].contains("contaced") && q.errors[0].contains("contacted"));
    let q = Query::parse("is:selected,pending");
    assert!(
        q.errors[0].contains("is:selected is:pending"),
        "{:?}",
        q.errors
    );
}

#[test]
fn statuses_take_prefixes_are_ored_and_can_be_negated() {
    let holds = |input: &str, st| Query::parse(input).tokens_hold(&facts(st));
    assert!(holds("status:c", Status::Contacted));
    assert!(holds("status:contacte", Status::Contacted));
    assert!(!holds("status:c", Status::New));
    assert!(holds("status:new status:contacted", Status::New));
    assert!(holds("status:new status:contacted", Status::Contacted));
    assert!(!holds("status:new status:contacted", Status::Dismissed));
    assert!(holds("status:new,d", Status::Dismissed));
    assert!(!holds("!status:dismissed", Status::Dismissed));
    assert!(holds("!status:dismissed", Status::New));
    assert!(holds("-status:d", Status::Unknown));
    assert!(!holds("status:new,contacted !status:new", Status::New));
    assert!(holds("STATUS:NEW", Status::New));
}

#[test]
fn is_flags_take_prefixes_and_negation() {
    let mut f = facts(Status::New);
    f.selected = true;
    assert!(Query::parse("is:sel").tokens_hold(&f));
    assert!(!Query::parse("!is:selected").tokens_hold(&f));
    assert!(Query::parse("-is:failed").tokens_hold(&f));
    assert!(!Query::parse("is:f").tokens_hold(&f));
}

#[test]
fn ranges_and_repeated_comparisons() {
    let f = facts(Status::New); // score 2.5, signals 3
    assert!(Query::parse("score:2..3").tokens_hold(&f));
    assert!(
        Query::parse("score:3..2").tokens_hold(&f),
        "ends in any order"
    );
    assert!(!Query::parse("score:2.6..3").tokens_hold(&f));
    assert!(Query::parse("signals:>=3 signals:<4").tokens_hold(&f));
    assert!(!Query::parse("signals:>=3 signals:<3").tokens_hold(&f));
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

#[test]
fn anchors_and_words_apply_within_one_field() {
    let mut m = Scorer::default();
    let row = fold(
        "Noah Schröder\u{1f}Head of Sales\u{1f}noah@acme.io\u{1f}Nordlys GmbH\u{1f}nordlys.no",
    );
    let hit = |q: &str, m: &mut Scorer| Query::parse(q).fuzzy_score(&row, m).is_some();
    assert!(
        hit("^noah", &mut m),
        "prefix of the first field, plain ASCII"
    );
    assert!(hit("^nordlys", &mut m), "prefix of a later field");
    assert!(hit("gmbh$", &mut m), "suffix of a middle field");
    assert!(hit("schroder$", &mut m));
    assert!(!hit("^sales", &mut m));
    assert!(
        hit("noah sales", &mut m),
        "words may match different fields"
    );
    // Letters scattered over several fields are not a match.
    assert!(
        !hit("hsnn", &mut m),
        "h(ead) s(ales) n(oah) n(ordlys) across fields"
    );
    assert!(hit("hdsls", &mut m), "within one field");
}

#[test]
fn subsequence_scan_finds_the_first_field_for_ascii_and_other_text() {
    let row = "山田 太郎\u{1f}\u{1f}yamada@x.jp\u{1f}株式会社ヤマダ\u{1f}yamada.jp";
    let find = |n: &str| field_with_subsequence(row, n, &n.chars().collect::<Vec<_>>());
    assert_eq!(find("ymd"), Some("yamada@x.jp"));
    assert_eq!(
        find("jp"),
        Some("yamada@x.jp"),
        "the first field that has it"
    );
    assert_eq!(find("山郎"), Some("山田 太郎"));
    assert_eq!(find("ヤダ"), Some("株式会社ヤマダ"));
    assert_eq!(find("田ヤ"), None, "across fields is no match");
    assert_eq!(find("pj"), None);
    assert_eq!(find("ma@"), Some("yamada@x.jp"));
}
