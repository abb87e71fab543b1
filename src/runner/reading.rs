//! The runner's side of the reading pane and outreach: signals from the store's cache or
//! Puffle, the pane's layout remembered, drafting, and the rep's changes to signals
//! committed to the store before they show. Part of `runner`.

use super::{Command, Effect, Msg, Runner, TerminalEffect};

impl Runner {
    /// Carry out an effect of the pane or of outreach.
    pub(super) fn execute_reading(&mut self, fx: Effect) {
        match fx {
            Effect::LoadSignals { group, id } => self.load_signals(group, id),
            Effect::SaveSignals {
                id,
                fetched_at,
                signals,
            } => {
                if let Some(store) = &mut self.store
                    && let Err(e) = store.save_signals(id, fetched_at, &signals)
                {
                    // Only a cache: the pane has them; a later read fetches them again.
                    tracing::warn!(error = %e, "could not keep the signals in the store");
                }
            }
            Effect::Generate {
                group,
                items,
                dm,
                comment,
            } => {
                let _ = self.worker.send(Command::Generate {
                    group,
                    items,
                    dm,
                    comment,
                });
            }
            Effect::QueueSignalUpdate { lead, update } => {
                // Committed before the screen shows it pending (without a store, as is).
                let update = match &mut self.store {
                    Some(store) => store
                        .queue_signal_update(lead, &update)
                        .map_err(|e| crate::text::clean(&e.short())),
                    None => Ok(update),
                };
                let _ = self.msg_tx.send(Msg::SignalUpdateQueued { lead, update });
            }
            Effect::SendSignalUpdates(items) => {
                let _ = self.worker.send(Command::PatchSignals(items));
            }
            Effect::SettleSignalUpdates(items) => {
                if let Some(store) = &mut self.store
                    && let Err(e) = store.settle_signal_updates(&items)
                {
                    // Sent again at the next start: the same change applies again, harmlessly.
                    tracing::warn!(error = %e, "could not settle signal changes in the store");
                }
            }
            Effect::Edit(job) => self.for_terminal.push(TerminalEffect::Edit(job)),
            Effect::RememberLayout(layout) => {
                if let Some(store) = &mut self.store
                    && let Err(e) = store.set_pane_layout(layout.code())
                {
                    tracing::warn!(error = %e, "could not remember the pane layout");
                }
            }
            _ => {}
        }
    }

    /// A lead's signals: from the store's cache when it holds a fresh copy (answered at once,
    /// no request), else from Puffle through the worker.
    fn load_signals(&mut self, group: crate::api::GroupBy, id: uuid::Uuid) {
        let fresh = self.state.settings.signals_fresh.as_secs();
        let since = crate::store::unix_now().saturating_sub(fresh);
        let cached = self.store.as_ref().and_then(|st| {
            st.cached_signals(id, since).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not read cached signals");
                None
            })
        });
        match cached {
            Some((fetched_at, signals)) => {
                let _ = self.msg_tx.send(Msg::Signals {
                    id,
                    result: Ok(signals),
                    fetched_at,
                    cached: true,
                });
            }
            None => {
                let _ = self.worker.send(Command::Signals { group, id });
            }
        }
    }
}
