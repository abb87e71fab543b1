//! Everything the app knows, as plain data. Only `update` changes it; `ui::draw` reads it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crossterm::event::KeyEvent;
use uuid::Uuid;

use std::sync::Arc;

use crate::api::{GroupBy, Lead, Status};
use crate::keymap::Keymap;
use crate::sync::backoff::Jitter;

use super::filter::Query;
use super::queue::Queue;
use super::record::{Interner, LeadRecord};
use super::undo::History;
use super::view::{self, SortKey, ViewInput};

/// How long a toast stays on screen (banners and the filter line stay until resolved).
pub const TOAST_TTL: Duration = Duration::from_secs(8);

impl State {
    /// When the current toast goes away, if there is one.
    pub fn toast_expires(&self) -> Option<Duration> {
        self.toast.as_ref().map(|_| self.toast_since + TOAST_TTL)
    }
}

pub use super::settings::{CONFIRM_OVER, Settings};

/// Progress of the listing of one view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LoadState {
    #[default]
    NotStarted,
    Loading,
    /// A page failed transiently; the listing retries by itself.
    Retrying(String),
    Loaded,
    Failed(String),
}

/// The leads of one view (person or company), append-only for the session so a lead's index
/// is a stable id. Records are shared (`Arc`) so saving the cache needs no deep copy.
#[derive(Debug, Default)]
pub struct Dataset {
    pub leads: Vec<Arc<LeadRecord>>,
    pub by_id: HashMap<Uuid, u32>,
    interner: Interner,
    /// The folded search text of every lead (see `record::fold`), back to back in one
    /// string: a filter scans it front to back instead of chasing a pointer per lead.
    keys: String,
    /// Where each lead's text is in `keys`.
    key_spans: Vec<(u32, u32)>,
    /// Bytes of `keys` no longer referenced (a refreshed lead's old text).
    key_garbage: usize,
    pub load: LoadState,
    /// Increases with every (re)load, so late pages of an older load are ignored.
    pub generation: u64,
    /// Age in seconds of the cached listing shown until the refresh completes.
    pub cached_age: Option<u64>,
    /// Leads the load in progress has brought so far (for the header's progress).
    pub refreshed: usize,
    /// Leads whose status changed on the server since we last saw them (another rep).
    pub changed_elsewhere: HashSet<u32>,
    /// Leads the load in progress has listed, or whose statuses were asked for because they
    /// were on screen first (indexed like `leads`; cleared when a load starts).
    pub seen: Vec<bool>,
    /// A check of the rows on screen is on its way (at most one at a time).
    pub checking_screen: bool,
}

impl Dataset {
    /// The folded search text of lead `i`.
    pub fn match_key(&self, i: u32) -> &str {
        let (a, b) = self.key_spans[i as usize];
        self.keys.get(a as usize..b as usize).unwrap_or("")
    }

    fn push_key(&mut self, lead: &LeadRecord) -> (u32, u32) {
        let start = self.keys.len();
        super::record::fold_into(lead.haystack(), &mut self.keys);
        self.keys.push(super::record::FIELD_SEP);
        super::record::fold_into(lead.industry().unwrap_or(""), &mut self.keys);
        (start as u32, self.keys.len() as u32)
    }

    /// Rebuild the key arena without the texts of replaced leads.
    fn compact_keys(&mut self) {
        let mut keys = String::with_capacity(self.keys.len() - self.key_garbage);
        for span in &mut self.key_spans {
            let start = keys.len() as u32;
            keys.push_str(
                self.keys
                    .get(span.0 as usize..span.1 as usize)
                    .unwrap_or(""),
            );
            *span = (start, keys.len() as u32);
        }
        self.keys = keys;
        self.key_garbage = 0;
    }

    /// Add or refresh leads; returns how many were new. A known lead whose status differs
    /// from what the server says now is marked as changed elsewhere.
    pub fn merge(&mut self, leads: Vec<Lead>) -> usize {
        let mut added = 0;
        for lead in leads {
            let mut lead = LeadRecord::from_lead(lead, &mut self.interner);
            let Some(&i) = self.by_id.get(&lead.id) else {
                let i = self.leads.len() as u32;
                let span = self.push_key(&lead);
                self.by_id.insert(lead.id, i);
                self.key_spans.push(span);
                self.leads.push(Arc::new(lead));
                added += 1;
                continue;
            };
            // A row that arrives before its status was learned keeps the status we knew (the
            // learned one follows as `Msg::Statuses`).
            let old = self.leads[i as usize].status;
            if lead.status == Status::Unknown {
                lead.status = old;
            }
            if old != lead.status && old != Status::Unknown && lead.status != Status::Unknown {
                self.changed_elsewhere.insert(i);
            }
            if self.leads[i as usize].same_text(&lead) {
                // Nothing but the status or the numbers changed: keep the record (and its
                // search text), so a refresh does not churn memory.
                Arc::make_mut(&mut self.leads[i as usize]).update_from(&lead);
            } else {
                let span = self.push_key(&lead);
                let old_span = self.key_spans[i as usize];
                self.key_garbage += (old_span.1 - old_span.0) as usize;
                self.key_spans[i as usize] = span;
                self.leads[i as usize] = Arc::new(lead);
            }
        }
        if self.key_garbage > self.keys.len() / 2 {
            self.compact_keys();
        }
        added
    }

    /// Add only leads not known yet (cached data must not overwrite fresher data).
    pub fn merge_new(&mut self, leads: Vec<Lead>) {
        for lead in leads {
            if self.by_id.contains_key(&lead.id) {
                continue;
            }
            let i = self.leads.len() as u32;
            self.by_id.insert(lead.id, i);
            let rec = LeadRecord::from_lead(lead, &mut self.interner);
            let span = self.push_key(&rec);
            self.key_spans.push(span);
            self.leads.push(Arc::new(rec));
        }
    }

    /// Statuses learned after their rows arrived; returns how many differ from a status we
    /// already knew (changed elsewhere, and marked so).
    pub fn learn(&mut self, statuses: &[(Uuid, Status)]) -> usize {
        let mut changed = 0;
        for (id, status) in statuses {
            let Some(&i) = self.by_id.get(id) else {
                continue;
            };
            let old = self.leads[i as usize].status;
            if old != *status {
                if old != Status::Unknown {
                    self.changed_elsewhere.insert(i);
                    changed += 1;
                }
                Arc::make_mut(&mut self.leads[i as usize]).status = *status;
            }
        }
        changed
    }

    /// Mark leads as listed (or asked about) by the load in progress.
    pub fn mark_seen(&mut self, ids: impl IntoIterator<Item = Uuid>) {
        for id in ids {
            if let Some(&i) = self.by_id.get(&id) {
                let i = i as usize;
                if self.seen.len() <= i {
                    self.seen.resize(self.leads.len().max(i + 1), false);
                }
                self.seen[i] = true;
            }
        }
    }

    /// Whether the load in progress has listed (or asked about) lead `i`.
    pub fn is_seen(&self, i: u32) -> bool {
        self.seen.get(i as usize).copied().unwrap_or(false)
    }

    /// Record a status the server confirmed.
    pub fn set_status(&mut self, id: &Uuid, status: Status) {
        if let Some(&i) = self.by_id.get(id) {
            Arc::make_mut(&mut self.leads[i as usize]).status = status;
        }
    }
}

/// A range being selected with `v` (sticky) or Shift-↑/↓ (dropped by plain movement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeSel {
    /// Lead index where the range started.
    pub anchor: u32,
    pub sticky: bool,
}

/// Cursor, scroll, selection and visible rows of one view.
#[derive(Debug, Default)]
pub struct ListView {
    /// Indices into the dataset, filtered and sorted.
    pub rows: Vec<u32>,
    pub cursor: usize,
    /// First visible row.
    pub offset: usize,
    /// Selected leads (dataset indices): survives filter, sort and reload.
    pub selected: HashSet<u32>,
    pub range: Option<RangeSel>,
    /// How many selected leads are among `rows`.
    pub visible_selected: usize,
    /// Rows shown that no longer pass the filter's tokens (a status changed under
    /// `status:new`): they stay until the filter is applied again, but are not counted.
    pub no_longer_match: usize,
}

impl ListView {
    pub fn cursor_lead(&self) -> Option<u32> {
        self.rows.get(self.cursor).copied()
    }

    /// Row positions covered by the active range, inclusive.
    pub fn range_bounds(&self) -> Option<(usize, usize)> {
        let r = self.range?;
        let anchor = self.rows.iter().position(|&i| i == r.anchor)?;
        Some((anchor.min(self.cursor), anchor.max(self.cursor)))
    }
}

/// What the keyboard is talking to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a filter; it applies as you type.
    Filter,
    Help {
        scroll: usize,
    },
    /// Quit was asked with changes not yet sent.
    ConfirmQuit,
    /// A question before a status key acts (hidden leads, or more than `confirm_over`).
    Ask(Box<super::ask::Ask>),
    /// Typing a find (`f`): the cursor jumps, nothing is filtered.
    Find,
    /// The question before drafting for several leads (drafting may cost credits).
    ConfirmDrafts(Box<super::outreach::DraftAsk>),
    /// After sending a draft: mark this lead contacted?
    MarkContacted(Uuid),
    /// The command palette (`:`; see `State::palette`).
    Palette,
    /// Typing a shell command for the leads (`|`; see `State::pipe`).
    Pipe,
}

/// Most sync-history lines kept per lead.
pub const HISTORY_PER_LEAD: usize = 20;

/// Most leads with a sync history; beyond it a tenth, the least recently logged, is dropped.
pub const HISTORY_LEADS: usize = 20_000;

/// The whole application state.
#[derive(Debug)]
pub struct State {
    pub settings: Settings,
    pub group: GroupBy,
    pub data: [Dataset; 2],
    pub lists: [ListView; 2],
    pub sort: SortKey,
    pub descending: bool,
    /// Filter text as typed.
    pub filter: String,
    /// Tokens of the filter that could not be understood.
    pub filter_errors: Vec<String>,
    /// The filter has fuzzy text and the default sort, so rows are ranked by match.
    pub filter_ranked: bool,
    pub mode: Mode,
    pub queue: Queue,
    pub history: History,
    pub toast: Option<String>,
    /// When the toast was set (it clears itself after `TOAST_TTL`).
    pub toast_since: Duration,
    /// A global problem (bad key, load failure) shown until resolved.
    pub banner: Option<String>,
    pub keymap: Keymap,
    /// Keys of a chord typed so far.
    pub chord: Vec<KeyEvent>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Time since start, advanced by ticks (drives the spinner and countdowns).
    pub now: Duration,
    /// When the scheduled retry fires, on the `now` clock.
    pub retry_at: Option<Duration>,
    /// The request budget as last seen (`None`: the client does not pace).
    pub budget: Option<crate::api::BudgetView>,
    /// The last outbox write failed (the banner says so until a write succeeds).
    pub store_failed: bool,
    pub quit: bool,
    /// Quit as soon as nothing is pending or in flight ("send and quit").
    pub quit_when_idle: bool,
    /// The reading pane, when open (it shows the cursor's lead).
    pub pane: Option<super::pane::Pane>,
    /// Where the rep wants the pane (remembered in the store).
    pub pane_layout: super::pane::PaneLayout,
    /// Signals fetched this session (or read from the store's cache), per lead.
    pub signals: HashMap<Uuid, super::pane::SignalsEntry>,
    /// The wall clock at start (Unix seconds), to tell the age of cached signals.
    pub started_unix: u64,
    /// The leads the rep set a status on this session, and when the first was set.
    pub triaged: HashSet<Uuid>,
    pub first_triage: Option<Duration>,
    /// Leads each saved view holds in the current view (`None`: not counted yet), and when
    /// they were counted; `views_dirty` once the leads or statuses changed since.
    pub view_counts: Vec<Option<usize>>,
    pub views_counted_at: Option<Duration>,
    pub views_dirty: bool,
    /// Drafts being written, where to send them, the rep's changes to signals.
    pub outreach: super::outreach::Outreach,
    /// What happened to each lead's changes in this session, with the time (since start).
    pub sync_log: HashMap<Uuid, std::collections::VecDeque<(Duration, String)>>,
    /// Filter of the help overlay, and whether it is being typed.
    pub help_query: String,
    pub help_typing: bool,
    /// The filter, parsed (kept to recount the rows that no longer match).
    pub query: Query,
    /// The find being typed (`f`), the row it started from, and the last find kept.
    pub find: String,
    pub find_origin: usize,
    pub last_find: String,
    /// The status the last status key set (`.` sets it again).
    pub last_status: Option<crate::api::Status>,
    /// The command palette's query and highlight.
    pub palette: super::palette::PaletteInput,
    /// The pipe prompt, and the commands running.
    pub pipe: super::pipe::PipeState,
}

/// Index of a view in the per-view arrays.
pub fn gi(g: GroupBy) -> usize {
    match g {
        GroupBy::Person => 0,
        GroupBy::Company => 1,
    }
}

impl State {
    pub fn new(settings: Settings, keymap: Keymap, jitter: Jitter) -> State {
        let queue = Queue::new(settings.concurrency, settings.backoff, jitter);
        State {
            settings,
            group: GroupBy::Person,
            data: Default::default(),
            lists: Default::default(),
            sort: SortKey::Recency,
            descending: true,
            filter: String::new(),
            filter_errors: Vec::new(),
            filter_ranked: false,
            mode: Mode::Normal,
            queue,
            history: History::default(),
            toast: None,
            toast_since: Duration::ZERO,
            banner: None,
            keymap,
            chord: Vec::new(),
            size: (120, 30),
            now: Duration::ZERO,
            retry_at: None,
            budget: None,
            store_failed: false,
            quit: false,
            quit_when_idle: false,
            pane: None,
            pane_layout: super::pane::PaneLayout::Auto,
            signals: HashMap::new(),
            started_unix: 0,
            triaged: HashSet::new(),
            first_triage: None,
            view_counts: Vec::new(),
            views_counted_at: None,
            views_dirty: true,
            outreach: Default::default(),
            sync_log: HashMap::new(),
            help_query: String::new(),
            help_typing: false,
            query: Query::default(),
            find: String::new(),
            find_origin: 0,
            last_find: String::new(),
            last_status: None,
            palette: Default::default(),
            pipe: Default::default(),
        }
    }

    pub fn data(&self) -> &Dataset {
        &self.data[gi(self.group)]
    }

    pub fn list(&self) -> &ListView {
        &self.lists[gi(self.group)]
    }

    pub fn list_mut(&mut self) -> &mut ListView {
        &mut self.lists[gi(self.group)]
    }

    /// Note an event in a lead's sync history.
    pub fn log(&mut self, id: Uuid, event: String) {
        let now = self.now;
        let log = self.sync_log.entry(id).or_default();
        if log.len() == HISTORY_PER_LEAD {
            // A ring: the full history of a lead sent again and again costs no shifting.
            log.pop_front();
        }
        log.push_back((now, event));
        if self.sync_log.len() > HISTORY_LEADS {
            // Oldest last-logged time first (ties in any order); never the lead just logged.
            let mut by_age: Vec<(Duration, Uuid)> = (self.sync_log.iter())
                .filter(|(k, _)| **k != id)
                .map(|(k, v)| (v.back().map_or(Duration::ZERO, |e| e.0), *k))
                .collect();
            let drop = self.sync_log.len() - (HISTORY_LEADS - HISTORY_LEADS / 10);
            by_age.select_nth_unstable(drop - 1);
            for (_, k) in &by_age[..drop] {
                self.sync_log.remove(k);
            }
        }
    }

    /// The bindings the help overlay lists, with its filter applied.
    pub fn help_bindings(&self) -> Vec<&crate::keymap::Binding> {
        let query = self.help_query.to_lowercase();
        self.keymap
            .bindings()
            .iter()
            .filter(|b| b.matches_help(&query))
            .collect()
    }

    /// Largest useful scroll of the help overlay: its lines (the same `ui::help::lines` it
    /// draws) less the lines it shows.
    pub fn help_max_scroll(&self) -> usize {
        let lines = crate::ui::help::line_count(self);
        lines.saturating_sub(self.layout().help_lines())
    }

    /// The screen's layout at the terminal size the state knows: the one `ui::draw` draws
    /// (it computes it from the frame, which has this size once `Msg::Resize` arrived).
    pub fn layout(&self) -> crate::ui::Layout {
        crate::ui::Layout::with_pane(
            self.size,
            self.pane_place(self.size),
            !self.settings.views.is_empty(),
        )
    }

    /// Where the reading pane is drawn in a terminal of `size`, if it is open.
    pub fn pane_place(&self, size: (u16, u16)) -> Option<crate::ui::layout::PanePlace> {
        self.pane
            .as_ref()
            .map(|_| crate::ui::layout::PanePlace::resolve(self.pane_layout, size))
    }

    /// Table rows that fit on screen.
    pub fn page_rows(&self) -> usize {
        self.layout().page_rows()
    }

    /// The status shown for a lead of the current view.
    pub fn shown_status(&self, lead: &LeadRecord) -> Status {
        self.queue.shown(&lead.id, lead.status)
    }

    /// The cursor's lead.
    pub fn cursor_lead(&self) -> Option<&LeadRecord> {
        let i = self.list().cursor_lead()?;
        self.data().leads.get(i as usize).map(|l| &**l)
    }

    /// Recompute the visible rows of the current view, keeping the cursor on its lead.
    pub fn refresh_view(&mut self) {
        let g = gi(self.group);
        let query = Query::parse(&self.filter);
        self.filter_errors = query.errors.clone();
        self.filter_ranked = query.ranks() && self.sort == view::SortKey::Recency;
        let rows = view::compute_rows(&ViewInput {
            data: &self.data[g],
            queue: &self.queue,
            selected: &self.lists[g].selected,
            query: &query,
            key: self.sort,
            descending: self.descending,
        });
        self.query = query;
        let page = self.page_rows();
        let list = &mut self.lists[g];
        let cursor_lead = list.cursor_lead();
        list.rows = rows;
        list.no_longer_match = 0;
        list.cursor = cursor_lead
            .and_then(|l| list.rows.iter().position(|&i| i == l))
            .unwrap_or(list.cursor)
            .min(list.rows.len().saturating_sub(1));
        list.visible_selected = if list.selected.is_empty() {
            0
        } else {
            list.rows
                .iter()
                .filter(|i| list.selected.contains(i))
                .count()
        };
        if list.range.is_some() && list.range_bounds().is_none() {
            list.range = None;
        }
        scroll_into_view(list, page);
    }
}

impl State {
    /// Count the rows shown that no longer pass the filter's tokens (words never stop
    /// matching: a lead's text does not change under the rep).
    pub fn recount_stale(&mut self) {
        let g = gi(self.group);
        if !self.query.has_tokens() {
            self.lists[g].no_longer_match = 0;
            return;
        }
        let input = ViewInput {
            data: &self.data[g],
            queue: &self.queue,
            selected: &self.lists[g].selected,
            query: &self.query,
            key: self.sort,
            descending: self.descending,
        };
        let stale = self.lists[g]
            .rows
            .iter()
            .filter(|&&i| {
                let lead = &input.data.leads[i as usize];
                !self.query.tokens_hold(&view::facts(&input, i, lead))
            })
            .count();
        self.lists[g].no_longer_match = stale;
    }
}

/// Keep the cursor inside the visible window.
pub fn scroll_into_view(list: &mut ListView, page: usize) {
    if list.cursor < list.offset {
        list.offset = list.cursor;
    } else if list.cursor >= list.offset + page {
        list.offset = list.cursor + 1 - page;
    }
    let max_offset = list.rows.len().saturating_sub(page);
    list.offset = list.offset.min(max_offset);
}
