use super::words::field_with_subsequence;
use super::*;
use crate::app::record::fold;

fn facts(shown: Status) -> Facts {
    Facts {
        shown,
        failed: false,
        pending: false,
        selected: false,
        changed: false,
        conflict: false,
        score: Some(2.5),
        signals: 3,
    }
}

/// A search text in the order of `Field::ALL`, folded like `Dataset::match_key`.
fn row(name: &str, headline: &str, email: &str, company: &str, domain: &str, ind: &str) -> String {
    fold(&[name, headline, email, company, domain, ind].join("\u{1f}"))
}

fn hit(q: &str, row: &str) -> bool {
    Query::parse(q)
        .text_score(row, &mut Scorer::default())
        .is_some()
}

fn score(q: &str, row: &str) -> u32 {
    Query::parse(q)
        .text_score(row, &mut Scorer::default())
        .unwrap_or(0)
}

#[test]
fn tokens_and_words_are_separated() {
    let q = Query::parse("acme status:new signals:>2 is:failed score:3 vp");
    assert_eq!(q.text, "acme vp");
    assert_eq!(q.statuses.map(|s| s.contains(Status::New)), Some(true));
    assert_eq!(q.signals, vec![(vec![Cmp::Gt(2.0)], false)]);
    assert_eq!(q.score, vec![(vec![Cmp::Eq(3.0)], false)]);
    assert!(q.errors.is_empty() && q.ranks());
    for text in ["https://x.io", "10:30", "c++:x", "\"status:new\""] {
        let q = Query::parse(text);
        assert!(q.ranks() && q.errors.is_empty(), "{text} is text");
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
        "is:failed -is:failed",
        "status:new status:contacted",
        "stauts:new",
        "!stauts:new",
        "foo:bar",
        "company:",
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
    let q = Query::parse("status:new status:contacted");
    assert!(
        q.errors[0].contains("status:new,contacted"),
        "the error says how to write OR: {:?}",
        q.errors
    );
}

#[test]
fn one_rule_spaces_and_commas_or() {
    let holds = |input: &str, st| Query::parse(input).tokens_hold(&facts(st));
    assert!(holds("status:c", Status::Contacted));
    assert!(holds("status:contacte", Status::Contacted));
    assert!(!holds("status:c", Status::New));
    assert!(holds("status:new,contacted", Status::New));
    assert!(holds("status:new,contacted", Status::Contacted));
    assert!(!holds("status:new,contacted", Status::Dismissed));
    assert!(holds("status:new,d", Status::Dismissed));
    assert!(!holds("!status:dismissed", Status::Dismissed));
    assert!(holds("!status:dismissed", Status::New));
    assert!(holds("-status:d", Status::Unknown));
    assert!(!holds("status:new,contacted !status:new", Status::New));
    assert!(holds("status:new,contacted !status:new", Status::Contacted));
    assert!(holds("STATUS:NEW", Status::New));
    // The same rule for comparisons: space is AND, comma is OR.
    let f = facts(Status::New); // score 2.5, signals 3
    assert!(Query::parse("signals:>=3 signals:<4").tokens_hold(&f));
    assert!(!Query::parse("signals:>=3 signals:<3").tokens_hold(&f));
    assert!(Query::parse("signals:1,3").tokens_hold(&f));
    assert!(!Query::parse("signals:1,2").tokens_hold(&f));
    assert!(!Query::parse("!signals:3").tokens_hold(&f));
    // And for words.
    let r = row("Ada Lovelace", "", "", "Polarcraft Labs", "", "");
    assert!(hit("company:labs,data", &r));
    assert!(hit("company:data,labs", &r));
    assert!(!hit("company:data,bits", &r));
    assert!(hit("ada labs", &r));
    assert!(!hit("ada data", &r));
    assert!(hit("ada,zed", &r));
}

#[test]
fn is_flags_take_prefixes_alternatives_and_negation() {
    let mut f = facts(Status::New);
    f.selected = true;
    assert!(Query::parse("is:sel").tokens_hold(&f));
    assert!(!Query::parse("!is:selected").tokens_hold(&f));
    assert!(Query::parse("-is:failed").tokens_hold(&f));
    assert!(!Query::parse("is:f").tokens_hold(&f));
    assert!(Query::parse("is:failed,selected").tokens_hold(&f));
    assert!(!Query::parse("is:failed is:selected").tokens_hold(&f));
    f.changed = true;
    assert!(Query::parse("is:changed").tokens_hold(&f));
    assert!(!Query::parse("is:conflict").tokens_hold(&f));
    f.conflict = true;
    assert!(Query::parse("is:conflict").tokens_hold(&f));
    assert!(Query::parse("is:changed").uses_changed());
    assert!(!Query::parse("is:conflict").uses_changed());
}

#[test]
fn ranges() {
    let f = facts(Status::New);
    assert!(Query::parse("score:2..3").tokens_hold(&f));
    assert!(
        Query::parse("score:3..2").tokens_hold(&f),
        "ends in any order"
    );
    assert!(!Query::parse("score:2.6..3").tokens_hold(&f));
}

#[test]
fn a_plain_word_is_a_substring_of_one_field_not_a_subsequence() {
    // The case from the issue: "labs" is l…a…b…s in a name.
    let renee = row("Lara Abbs", "", "", "Brněnská Data", "", "");
    assert!(!hit("labs", &renee));
    assert!(hit("~labs", &renee), "fuzzy is opt-in");
    let polar = row("Ada", "CTO", "", "Polarcraft Labs", "", "");
    assert!(hit("labs", &polar));
    assert!(hit("LABS", &polar), "case folded");
    assert!(hit("brnenska", &renee), "accents folded");
    assert!(hit("BRNĚNSKÁ", &renee));
    let spread = row("Ada", "Solar Fintech Alliance", "", "", "", "");
    assert!(!hit("sofia", &spread));
    assert!(hit("~sofia", &spread));
    assert!(hit("sofia", &row("Sofía Reyes", "", "", "", "", "")));
    // Letters spread over two fields are no match, even fuzzy.
    let r = row("Noah", "Head of Sales", "", "Nordlys", "", "");
    assert!(!hit("~hsnn", &r));
    assert!(hit("~hdsls", &r));
    assert!(!hit("noahhead", &r));
}

#[test]
fn qualifiers_limit_a_word_to_one_field() {
    let r = row(
        "Labs McGee",
        "Head of Data",
        "m@x.io",
        "Nordlys",
        "nordlys.no",
        "Software",
    );
    assert!(hit("labs", &r));
    assert!(hit("name:labs", &r));
    assert!(!hit("company:labs", &r));
    assert!(hit("title:data", &r));
    assert!(hit("headline:data", &r));
    assert!(hit("domain:.no", &r));
    assert!(hit("email:x.io", &r));
    assert!(hit("industry:soft", &r));
    assert!(!hit("industry:data", &r));
    assert!(hit("-company:labs", &r));
    assert!(!hit("!name:labs", &r));
    assert!(hit("company:~nrdl", &r), "fuzzy inside a qualifier");
    assert!(hit("company:\"nord\"", &r), "quotes");
    assert!(hit("Company:NORD", &r), "qualifier names ignore case");
}

#[test]
fn phrases_anchors_and_negation() {
    let r = row(
        "Noah Schröder",
        "Head of Sales",
        "noah@acme.io",
        "Nordlys GmbH",
        "nordlys.no",
        "",
    );
    assert!(hit("\"head of\"", &r));
    assert!(!hit("\"head sales\"", &r));
    assert!(hit("^noah", &r));
    assert!(hit("^nordlys", &r), "prefix of a later field");
    assert!(hit("gmbh$", &r));
    assert!(hit("schroder$", &r));
    assert!(!hit("^sales", &r));
    assert!(hit("^nordlys.no$", &r));
    assert!(!hit("^nordlys$", &r));
    assert!(
        hit("'rek", &row("Marek", "", "", "", "", "")),
        "the old ' still works"
    );
    assert!(!hit("!noah", &r));
    assert!(!hit("-noah", &r));
    assert!(hit("-zed", &r));
    assert!(Query::parse("-zed").text_score(&r, &mut Scorer::default()) == Some(0));
    assert!(
        !Query::parse("-zed").ranks(),
        "a negated word alone does not rank"
    );
    assert_eq!(
        Query::parse("").text_score("x", &mut Scorer::default()),
        Some(0)
    );
    assert!(Query::parse("").is_empty());
}

#[test]
fn invisible_joiners_are_folded_away_for_matching() {
    let r = row("نیک\u{200C}پور", "", "", "", "", "");
    assert!(hit("نیکپور", &r));
    assert!(hit("نیک\u{200C}پور", &r));
}

#[test]
fn each_word_is_scored_on_its_best_field() {
    // "labs" as a whole word in the company beats it as letters of a name (fuzzy) and beats
    // it in the middle of a word.
    let polar = row("Lara Abbs", "", "", "Polarcraft Labs", "", "");
    let mid = row("Ada", "Collabsmith", "", "", "", "");
    assert!(score("labs", &polar) > score("labs", &mid));
    let scattered = row("Lara Abbs", "", "", "Nordlys", "", "");
    assert!(
        score("~labs", &polar) > score("~labs", &scattered),
        "{} vs {}",
        score("~labs", &polar),
        score("~labs", &scattered)
    );
    // The best occurrence in a field counts, not the first.
    let twice = row("Ada", "collabs and labs", "", "", "", "");
    let once = row("Ada", "collabs", "", "", "", "");
    assert!(score("labs", &twice) > score("labs", &once));
    assert!(
        score("ada", &row("Ada", "", "", "", "", ""))
            > score("ada", &row("Adam", "", "", "", "", ""))
    );
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

#[test]
fn the_fields_holding_letters_in_order_are_found_in_one_pass() {
    use super::words::fields_with_subsequence;
    let find = |row: &str, n: &str| fields_with_subsequence(row, n, &n.chars().collect::<Vec<_>>());
    let row = "lara abbs\u{1f}\u{1f}l@a.bs\u{1f}nordlys\u{1f}labs.io\u{1f}";
    let (mask, bounds) = find(row, "lbs");
    assert_eq!(mask, 0b10101, "name, email and domain; not across fields");
    assert_eq!(&row[bounds[2]..bounds[3] - 1], "l@a.bs");
    assert_eq!(&row[bounds[4]..bounds[5] - 1], "labs.io");
    assert_eq!(find(row, "lnd").0, 0, "l…n…d only across fields");
    let row = "山田 太郎\u{1f}\u{1f}\u{1f}株式会社ヤマダ\u{1f}\u{1f}";
    assert_eq!(find(row, "ヤダ").0, 0b1000);
    assert_eq!(find(row, "山郎").0, 0b1);
}
