//! The order in which sessions lost their connections: what lets a hello at a full table find
//! the session gone longest without looking at every session. Each detach adds an entry (when,
//! which); an entry goes stale when its session is forgotten, attached again, or detached
//! again later (a newer entry then stands for it), and stale entries are dropped as they are
//! met and by the registry's sweep. Transport layer (session): imports only `transport`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::state::Session;

/// What an entry of the log says of its session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// Still without a connection since that detach, and no opening under way.
    Idle,
    /// Still without a connection since that detach, but a connection is opening it.
    Claimed,
    /// Forgotten, attached again, or detached again since.
    Stale,
}

/// The detaches of one registry's sessions, oldest first.
#[derive(Default)]
pub struct IdleLog {
    entries: Mutex<VecDeque<(Instant, String)>>,
}

impl IdleLog {
    /// Session `id` lost its connection `at`.
    pub(super) fn push(&self, at: Instant, id: String) {
        self.lock().push_back((at, id));
    }

    /// Takes the oldest entry whose session in `map` is idle, if it left at or before `by`
    /// (when given): its time and id. Stale entries met on the way go; those of sessions being
    /// opened stay (a refused resume leaves the session idle as it was), and so does an idle
    /// one that left after `by`.
    pub(super) fn oldest_idle(
        &self,
        map: &HashMap<String, Arc<Session>>,
        by: Option<Instant>,
    ) -> Option<(Instant, String)> {
        let mut entries = self.lock();
        let mut kept = Vec::new();
        let mut found = None;
        while let Some((at, id)) = entries.pop_front() {
            match map.get(&id).map_or(Entry::Stale, |s| s.entry_since(at)) {
                Entry::Idle if by.is_some_and(|by| at > by) => {
                    kept.push((at, id));
                    break;
                }
                Entry::Idle => {
                    found = Some((at, id));
                    break;
                }
                Entry::Claimed => kept.push((at, id)),
                Entry::Stale => {}
            }
        }
        for entry in kept.into_iter().rev() {
            entries.push_front(entry);
        }
        found
    }

    /// Drops every stale entry (the registry's sweep, once a second).
    pub(super) fn prune(&self, map: &HashMap<String, Arc<Session>>) {
        self.lock().retain(|(at, id)| {
            map.get(id)
                .is_some_and(|s| s.entry_since(*at) != Entry::Stale)
        });
    }

    /// How many entries are kept (stale ones not yet dropped included).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(Instant, String)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
