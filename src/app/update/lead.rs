//! What the list does with the cursor's lead: its web address, a copied
//! field, an export of the selection. Part of `update`.

use crate::api::GroupBy;

use crate::app::msg::Effect;
use crate::app::state::State;
use crate::app::triage;

/// Only web addresses may be opened (lead data comes from the internet).
pub fn safe_web_url(raw: &str) -> Option<String> {
    let url = reqwest::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.host_str().is_some())
        .filter(|ok| *ok)
        .map(|_| url.to_string())
}

/// `o`: the person's LinkedIn, else the company's website.
pub(crate) fn open_url(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(lead) = s.cursor_lead() else {
        return;
    };
    let candidate = lead
        .linkedin_url()
        .map(str::to_owned)
        .or_else(|| {
            lead.company
                .as_ref()
                .and_then(|c| c.linkedin_url.as_deref().map(str::to_owned))
        })
        .or_else(|| lead.domain().map(|d| format!("https://{d}")));
    match candidate.as_deref().and_then(safe_web_url) {
        Some(url) => {
            s.toast = Some(format!("opening {url}"));
            fx.push(Effect::Open(url));
        }
        None => s.toast = Some("no web address for this lead".into()),
    }
}

/// `y` / `Y`: copy a field of the cursor's lead.
pub(crate) fn copy(
    s: &mut State,
    fx: &mut Vec<Effect>,
    what: &str,
    field: impl Fn(&crate::app::record::LeadRecord) -> Option<String>,
) {
    let Some(lead) = s.cursor_lead() else {
        return;
    };
    match field(lead) {
        Some(text) => {
            s.toast = Some(format!("copied {what}: {text}"));
            fx.push(Effect::Copy(text));
        }
        None => s.toast = Some(format!("no {what} for this lead")),
    }
}

/// `e` / `E`: the selection, else the visible rows, with the statuses as shown.
pub(super) fn export(s: &mut State, fx: &mut Vec<Effect>, format: crate::export::Format) {
    let list = s.list();
    let data = s.data();
    let ids: Vec<u32> = if list.selected.is_empty() {
        list.rows.clone()
    } else {
        let mut v: Vec<u32> = list.selected.iter().copied().collect();
        v.sort_unstable();
        v
    };
    let leads: Vec<crate::api::Lead> = ids
        .iter()
        .map(|&i| {
            let rec = &data.leads[i as usize];
            let mut l = rec.to_lead();
            l.status = s.queue.shown(&rec.id, rec.status);
            l
        })
        .collect();
    if leads.is_empty() {
        s.toast = Some("nothing to export".into());
        return;
    }
    let view = match s.group {
        GroupBy::Person => "people",
        GroupBy::Company => "companies",
    };
    s.toast = Some(format!(
        "exporting {} lead{}…",
        leads.len(),
        triage::plural(leads.len())
    ));
    fx.push(Effect::Export {
        format,
        view,
        leads,
    });
}
