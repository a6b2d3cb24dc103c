//! This app server's copy of what a live decision reads besides the card's own history: the
//! BIN table and every ruleset's current version with its BIN ranges. It saves check_entry
//! three queries and the JSON parse of every candidate ruleset per tap.
//!
//! Freshness: every check reads `decision_data_version` (migration `m0017`, raised by triggers
//! on every change of those tables, by whoever writes) together with the location, and uses
//! this copy only when the copy was loaded at that version or later; otherwise it reloads
//! first. A change committed before a check started is therefore always seen by that check,
//! on every app server — the same guarantee as reading the tables.

use super::super::entity::bin_ranges;
use super::super::repo::{self, rulesets::LiveRuleset};
use access_core::domain::{CardProfile, Ruleset};
use sea_orm::{ConnectionTrait, DbErr};
use std::sync::{Arc, RwLock};

/// The decision data at one version.
#[derive(Debug)]
pub struct DecisionData {
    /// The counter's value read *before* the tables: the data is at least this new.
    version: i64,
    bins: Vec<bin_ranges::Model>,
    rulesets: Vec<LiveRuleset>,
}

impl DecisionData {
    /// The card's BIN-table entry, as `repo::card_facts::profile`.
    pub fn profile(&self, pan: &str) -> Option<CardProfile> {
        repo::card_facts::profile_in(&self.bins, pan)
    }

    /// The rulesets that may apply to the card at `now_ms`, as `repo::rulesets::candidates`.
    pub fn candidates(&self, pan: &str, now_ms: i64) -> Vec<Ruleset> {
        let p8 = &pan[..pan.len().min(8)];
        self.rulesets
            .iter()
            .filter(|r| r.selects(p8, now_ms))
            .map(|r| r.ruleset.clone())
            .collect()
    }
}

#[derive(Default)]
pub struct DecisionCache {
    current: RwLock<Option<Arc<DecisionData>>>,
    /// One reload at a time: a burst of checks after a change waits for one load, not many.
    reload: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for DecisionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecisionCache")
    }
}

impl DecisionCache {
    fn fresh(&self, version: i64) -> Option<Arc<DecisionData>> {
        self.current
            .read()
            .ok()?
            .as_ref()
            .filter(|d| d.version >= version)
            .cloned()
    }

    /// The data at `version` (read from `decision_data_version` by the caller) or newer.
    pub async fn at_least<C: ConnectionTrait>(
        &self,
        db: &C,
        version: i64,
    ) -> Result<Arc<DecisionData>, DbErr> {
        if let Some(d) = self.fresh(version) {
            return Ok(d);
        }
        let _one = self.reload.lock().await;
        if let Some(d) = self.fresh(version) {
            return Ok(d);
        }
        // The tables are read after the caller read `version`, so they are at least that new.
        let data = Arc::new(DecisionData {
            version,
            bins: repo::card_facts::bin_table(db).await?,
            rulesets: repo::rulesets::all_live(db).await?,
        });
        if let Ok(mut slot) = self.current.write() {
            if slot.as_ref().is_none_or(|d| d.version <= version) {
                *slot = Some(data.clone());
            }
        }
        Ok(data)
    }
}
