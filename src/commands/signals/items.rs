//! `--items` of `signals generate` and `signals update`: checked whole before any request, each
//! problem named with its index. Ids are signal UUIDs; the same signal twice is merged into one
//! item (generate: the kinds asked for; update: each field the later item sets wins), kept at
//! its first place.

use std::collections::HashMap;
use std::io::Read;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::api::outreach::{GenerateItem, SignalUpdate, Vote};
use crate::text::sanitize_line;

/// Bad `--items`. Exit code 2.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ItemsError {
    #[error("--items is not valid JSON: {0}")]
    NotJson(String),
    #[error("--items must be a JSON array of {0} objects")]
    NotArray(&'static str),
    #[error("--items is empty: give at least one {0}")]
    Empty(&'static str),
    #[error("--items[{index}]: {problem}")]
    BadItem { index: usize, problem: String },
    #[error("could not read --items from stdin: {0}")]
    Stdin(String),
}

const GENERATE_SHAPE: &str = "{\"id\",\"dm\",\"comment\"}";
const UPDATE_SHAPE: &str = "{\"id\",\"dmText\",\"commentText\",\"vote\"}";

fn shown(v: &str) -> String {
    sanitize_line(v, 80)
}

/// The `--items` text: the argument, or all of stdin for `-`.
pub fn read(arg: &str, stdin: impl Read) -> Result<String, ItemsError> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut text = String::new();
    let mut stdin = stdin;
    stdin
        .read_to_string(&mut text)
        .map_err(|e| ItemsError::Stdin(e.to_string()))?;
    Ok(text)
}

/// One item of the array: its index and its fields.
type Indexed<'a> = (usize, &'a Map<String, Value>);

/// The array's objects, each with its index.
fn objects<'a>(value: &'a Value, shape: &'static str) -> Result<Vec<Indexed<'a>>, ItemsError> {
    let arr = value.as_array().ok_or(ItemsError::NotArray(shape))?;
    if arr.is_empty() {
        return Err(ItemsError::Empty(shape));
    }
    arr.iter()
        .enumerate()
        .map(|(index, item)| {
            item.as_object()
                .map(|o| (index, o))
                .ok_or_else(|| ItemsError::BadItem {
                    index,
                    problem: format!("must be an object {shape}"),
                })
        })
        .collect()
}

/// The signal id of an item (`id`, or `signalId` as the docs' prose names it), as a UUID.
fn signal_id(index: usize, o: &Map<String, Value>) -> Result<Uuid, ItemsError> {
    let bad = |problem: String| ItemsError::BadItem { index, problem };
    match o.get("id").or_else(|| o.get("signalId")) {
        Some(Value::String(s)) => Uuid::parse_str(s.trim())
            .map_err(|_| bad(format!("id {:?} is not a signal UUID", shown(s)))),
        Some(other) => Err(bad(format!(
            "id must be a string, not {}",
            shown(&other.to_string())
        ))),
        None => Err(bad("missing \"id\" (the signal's UUID)".into())),
    }
}

/// Refuses keys the command does not send, so a typo never passes silently.
fn known_keys(index: usize, o: &Map<String, Value>, known: &[&str]) -> Result<(), ItemsError> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ItemsError::BadItem {
            index,
            problem: format!("unknown field {:?} (known: {})", shown(k), known.join(", ")),
        }),
        None => Ok(()),
    }
}

/// Parse `signals generate --items`: `[{"id": "<signal uuid>", "dm": true, "comment": true}]`,
/// each asking for a DM and/or a comment.
pub fn parse_generate(json: &str) -> Result<Vec<GenerateItem>, ItemsError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| ItemsError::NotJson(e.to_string()))?;
    let mut out: Vec<GenerateItem> = Vec::new();
    let mut at: HashMap<Uuid, usize> = HashMap::new();
    for (index, o) in objects(&value, GENERATE_SHAPE)? {
        known_keys(index, o, &["id", "signalId", "dm", "comment"])?;
        let id = signal_id(index, o)?;
        let flag = |key: &str| match o.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ItemsError::BadItem {
                index,
                problem: format!("{key} must be true or false"),
            }),
        };
        let (dm, comment) = (flag("dm")?, flag("comment")?);
        if !dm && !comment {
            return Err(ItemsError::BadItem {
                index,
                problem: "asks for nothing: give \"dm\": true and/or \"comment\": true".into(),
            });
        }
        match at.get(&id) {
            Some(&i) => {
                out[i].dm |= dm;
                out[i].comment |= comment;
            }
            None => {
                at.insert(id, out.len());
                out.push(GenerateItem {
                    id: id.to_string(),
                    dm,
                    comment,
                });
            }
        }
    }
    Ok(out)
}

/// Parse `signals update --items`: `[{"id", "dmText"?, "commentText"?, "vote"?}]` with at
/// least one change each; `vote` is `"up"`, `"down"` or `null` (clears it).
pub fn parse_update(json: &str) -> Result<Vec<SignalUpdate>, ItemsError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| ItemsError::NotJson(e.to_string()))?;
    let mut out: Vec<SignalUpdate> = Vec::new();
    let mut at: HashMap<Uuid, usize> = HashMap::new();
    for (index, o) in objects(&value, UPDATE_SHAPE)? {
        known_keys(
            index,
            o,
            &["id", "signalId", "dmText", "commentText", "vote"],
        )?;
        let id = signal_id(index, o)?;
        let bad = |problem: String| ItemsError::BadItem { index, problem };
        let text = |key: &str| match o.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{key} must be a string"))),
        };
        let vote = match o.get("vote") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s == "up" => Some(Some(Vote::Up)),
            Some(Value::String(s)) if s == "down" => Some(Some(Vote::Down)),
            Some(other) => {
                return Err(bad(format!(
                    "unknown vote {} (expected \"up\", \"down\" or null)",
                    shown(&other.to_string())
                )));
            }
        };
        let update = SignalUpdate {
            id: id.to_string(),
            dm_text: text("dmText")?,
            comment_text: text("commentText")?,
            vote,
        };
        if update.is_empty() {
            return Err(bad(
                "changes nothing: give dmText, commentText and/or vote".into()
            ));
        }
        match at.get(&id) {
            Some(&i) => out[i].merge(&update),
            None => {
                at.insert(id, out.len());
                out.push(update);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "dde45278-8ffc-4934-b480-d8ebf87e5430";
    const B: &str = "40156535-9ca2-4a6f-94cf-6553bcc0924a";

    #[test]
    fn generate_items_are_checked_and_merged() {
        let items = parse_generate(&format!(
            r#"[{{"id":"{A}","dm":true}},{{"signalId":"{B}","comment":true}},{{"id":"{}","comment":true}}]"#,
            A.to_uppercase()
        ))
        .unwrap();
        assert_eq!(items.len(), 2, "the same signal in upper case is merged");
        assert!(items[0].dm && items[0].comment);
        assert_eq!(items[1].id, B);
        let e = parse_generate(&format!(r#"[{{"id":"{A}","dm":false}}]"#)).unwrap_err();
        assert!(
            e.to_string().starts_with("--items[0]: asks for nothing"),
            "{e}"
        );
        let e = parse_generate(&format!(r#"[{{"id":"{A}","dm":"yes"}}]"#)).unwrap_err();
        assert_eq!(e.to_string(), "--items[0]: dm must be true or false");
        let e = parse_generate(r#"[{"id":"nope\u001b[2J","dm":true}]"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--items[0]: id \"nope\" is not a signal UUID",
            "escape sequences never reach the terminal"
        );
        let e = parse_generate(&format!(r#"[{{"id":"{A}","DM":true}}]"#)).unwrap_err();
        assert!(e.to_string().contains("unknown field \"DM\""), "{e}");
        assert_eq!(parse_generate("[]"), Err(ItemsError::Empty(GENERATE_SHAPE)));
        assert_eq!(
            parse_generate("{}"),
            Err(ItemsError::NotArray(GENERATE_SHAPE))
        );
        assert!(matches!(parse_generate("[{"), Err(ItemsError::NotJson(_))));
        assert!(matches!(
            parse_generate("[3]"),
            Err(ItemsError::BadItem { index: 0, .. })
        ));
    }

    #[test]
    fn update_items_are_checked_and_later_fields_win() {
        let items = parse_update(&format!(
            r#"[{{"id":"{A}","dmText":"Hi\n\"you\"","vote":"up"}},{{"id":"{B}","vote":null}},{{"id":"{A}","vote":"down"}}]"#
        ))
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].dm_text.as_deref(), Some("Hi\n\"you\""));
        assert_eq!(items[0].vote, Some(Some(Vote::Down)));
        assert_eq!(items[1].vote, Some(None), "null clears the vote");
        let e = parse_update(&format!(r#"[{{"id":"{A}"}}]"#)).unwrap_err();
        assert!(e.to_string().contains("changes nothing"), "{e}");
        let e = parse_update(&format!(r#"[{{"id":"{A}","vote":"sideways"}}]"#)).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown vote \"sideways\" (expected"),
            "{e}"
        );
        let e = parse_update(&format!(r#"[{{"id":"{A}","dmText":7}}]"#)).unwrap_err();
        assert_eq!(e.to_string(), "--items[0]: dmText must be a string");
        let e = parse_update(&format!(r#"[{{"id":"{A}","status":"dismissed"}}]"#)).unwrap_err();
        assert!(e.to_string().contains("unknown field \"status\""), "{e}");
        assert!(
            parse_update(r#"[{"vote":"up"}]"#)
                .unwrap_err()
                .to_string()
                .contains("missing \"id\"")
        );
    }

    #[test]
    fn a_dash_reads_stdin_and_anything_else_is_the_text() {
        assert_eq!(read("-", &b"[1]"[..]).unwrap(), "[1]");
        assert_eq!(read("[2]", &b"[1]"[..]).unwrap(), "[2]");
    }
}
