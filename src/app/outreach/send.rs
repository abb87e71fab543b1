//! Sending a draft: copy it, open where it goes, then "mark contacted?". Part of `outreach`.

use super::*;

/// `>`: copy the draft and open where it is sent (the messaging page for a DM, the post for
/// a comment, the profile when there is no draft); then ask "mark contacted?".
pub fn send(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(lead) = s.cursor_lead() else {
        return;
    };
    let (lead_id, name) = (lead.id, lead.name().to_owned());
    let profile = lead.linkedin_url().map(str::to_owned);
    let sig = crate::app::pane::current_signal(s).cloned();
    let links = sig
        .as_ref()
        .and_then(|x| s.outreach.links.get(&x.id))
        .cloned()
        .unwrap_or_default();
    let dm = sig.as_ref().and_then(|x| draft_text(s, x, Kind::Dm));
    let comment = sig.as_ref().and_then(|x| draft_text(s, x, Kind::Comment));
    let (text, url, what) = match (dm, comment) {
        (Some(t), _) => (
            Some(t),
            links.messaging.or(links.profile).or(profile),
            "the DM",
        ),
        (None, Some(t)) => (
            Some(t),
            links
                .source
                .or_else(|| sig.as_ref().and_then(|x| x.url.clone())),
            "the comment",
        ),
        (None, None) => (None, profile, "no draft"),
    };
    let url = url.as_deref().and_then(crate::app::update::safe_web_url);
    if text.is_none() && url.is_none() {
        s.toast = Some(format!(
            "nothing to send: {name} has no draft and no profile address"
        ));
        return;
    }
    if let Some(t) = &text {
        fx.push(Effect::Copy(t.clone()));
    }
    if let Some(u) = &url {
        fx.push(Effect::Open(u.clone()));
    }
    s.toast = Some(match (&text, &url) {
        (Some(_), Some(u)) => format!("copied {what} · opening {u}"),
        (Some(_), None) => format!("copied {what} (no address to open)"),
        (None, Some(u)) => format!("no draft · opening {u}"),
        (None, None) => String::new(),
    });
    s.mode = Mode::MarkContacted(lead_id);
}

/// A key in the "mark contacted?" question (the `confirm` layer): yes sets the lead to
/// contacted (undoable, like any status key).
pub fn on_mark_key(
    s: &mut State,
    lead: Uuid,
    key: crossterm::event::KeyEvent,
    fx: &mut Vec<Effect>,
) {
    use crate::app::action::Action;
    match s.keymap.resolve_confirm(key) {
        Some(Action::Accept) => {
            s.mode = Mode::Normal;
            let g = gi(s.group);
            match s.data[g].by_id.get(&lead).copied() {
                Some(i) => crate::app::triage::commit(s, Status::Contacted, &[i], false, fx),
                None => s.toast = Some("that lead is no longer in this view".into()),
            }
        }
        Some(Action::Escape) => {
            s.mode = Mode::Normal;
            s.toast = Some("not marked".into());
        }
        _ => {}
    }
}
