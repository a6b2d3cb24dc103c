//! POS messages: the text each reject code sends to the terminal, per language (Admin only),
//! and its resolution for a terminal's `Accept-Language` on the POS hot path.
//!
//! Only overrides are stored (`pos_messages`); the built-in texts are the seed's English ones.
//! The overrides are few (codes × languages), so every app server keeps all of them in memory
//! and re-reads the table when its copy is older than [`Settings::pos_messages_ttl`]
//! (default 5 s): a check never waits on the database for its message, and a change made on
//! another app server is seen within the TTL (at once on the server that made it).
//!
//! [`Settings::pos_messages_ttl`]: crate::Settings::pos_messages_ttl

use super::super::entity::pos_messages;
use super::super::error::{ServiceError, ServiceResult};
use super::super::{audit, Backend, Principal};
use access_core::domain::RejectCode;
use access_core::model::{
    accept_language, check_language, check_pos_message, check_reject_code, Capability,
    PosMessageFilter, PosMessagePreview, PosMessageView, FALLBACK_LANGUAGE, POS_LANGUAGES,
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// (code, language) → the override.
type Overrides = HashMap<(String, String), pos_messages::Model>;

/// The in-memory copy of the overrides of one app server.
pub struct MessageCache {
    ttl: Duration,
    loaded: RwLock<Option<(Instant, Arc<Overrides>)>>,
    /// One reload at a time; the others keep answering from the old copy meanwhile.
    reloading: tokio::sync::Mutex<()>,
}

impl MessageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            loaded: RwLock::new(None),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    fn current(&self) -> Option<(Instant, Arc<Overrides>)> {
        self.loaded.read().ok().and_then(|g| g.clone())
    }

    /// Forget the copy (this server just changed the table).
    pub fn invalidate(&self) {
        if let Ok(mut g) = self.loaded.write() {
            *g = None;
        }
    }

    /// The overrides, re-read when the copy is older than the TTL. A database error keeps the
    /// old copy (or none: the built-in texts) — a message must never fail a check.
    async fn overrides(&self, db: &DatabaseConnection) -> Arc<Overrides> {
        let current = self.current();
        if let Some((at, map)) = &current {
            if at.elapsed() < self.ttl {
                return map.clone();
            }
        }
        let Ok(_guard) = self.reloading.try_lock() else {
            // Another task is reloading: answer from what we have, or wait for it once.
            if let Some((_, map)) = current {
                return map;
            }
            let _g = self.reloading.lock().await;
            return self.current().map(|(_, m)| m).unwrap_or_default();
        };
        match pos_messages::Entity::find().all(db).await {
            Ok(rows) => {
                let map: Arc<Overrides> = Arc::new(
                    rows.into_iter()
                        .map(|r| ((r.code.clone(), r.language.clone()), r))
                        .collect(),
                );
                if let Ok(mut g) = self.loaded.write() {
                    *g = Some((Instant::now(), map.clone()));
                }
                map
            }
            Err(e) => {
                tracing::error!(error = %e, "reading POS messages failed; using the last known texts");
                current.map(|(_, m)| m).unwrap_or_default()
            }
        }
    }
}

/// The text for `code` given the terminal's preferred languages: the first preferred language
/// with a text for the code (English always has one), else English. Returns (language, text).
fn pick(overrides: &Overrides, code: RejectCode, preferred: &[String]) -> (String, String) {
    let english = || {
        overrides
            .get(&(code.as_str().to_owned(), FALLBACK_LANGUAGE.to_owned()))
            .map(|m| m.message.clone())
            .unwrap_or_else(|| code.message().to_owned())
    };
    for lang in preferred {
        if lang == FALLBACK_LANGUAGE {
            return (lang.clone(), english());
        }
        if let Some(m) = overrides.get(&(code.as_str().to_owned(), lang.clone())) {
            return (lang.clone(), m.message.clone());
        }
    }
    (FALLBACK_LANGUAGE.to_owned(), english())
}

/// The POS hot path: the message for `code` for a terminal that sent `accept` (the
/// `Accept-Language` header, if any). Returns (language, text).
pub async fn for_terminal(b: &Backend, code: RejectCode, accept: Option<&str>) -> (String, String) {
    let preferred = accept.map(accept_language).unwrap_or_default();
    let overrides = b.pos_messages.overrides(&b.db).await;
    pick(&overrides, code, &preferred)
}

fn view(overrides: &Overrides, code: RejectCode, language: &str) -> PosMessageView {
    let custom = overrides.get(&(code.as_str().to_owned(), language.to_owned()));
    let (_, message) = pick(overrides, code, &[language.to_owned()]);
    PosMessageView {
        code: code.as_str().to_owned(),
        language: language.to_owned(),
        message,
        default_message: code.message().to_owned(),
        custom: custom.is_some(),
        updated_at: custom.map(|m| m.updated_at),
        updated_by: custom.map(|m| m.updated_by.clone()),
    }
}

/// Fresh from the database (the admin screens must show the truth, not a cached copy).
async fn load(b: &Backend) -> ServiceResult<Overrides> {
    Ok(pos_messages::Entity::find()
        .all(&b.db)
        .await?
        .into_iter()
        .map(|r| ((r.code.clone(), r.language.clone()), r))
        .collect())
}

/// Every reject code in every supported language (or one language), code order as in
/// POS-API.md.
pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &PosMessageFilter,
) -> ServiceResult<Vec<PosMessageView>> {
    p.require(Capability::PosMessages)?;
    // Empty means every language (the panel's "all" choice); anything else must be exact.
    let only = match filter.language.as_deref() {
        Some(l) if !l.is_empty() => {
            Some(check_language("language", l).map_err(|e| ServiceError::Validation(vec![e]))?)
        }
        _ => None,
    };
    let overrides = load(b).await?;
    let mut out = Vec::new();
    for (lang, _) in POS_LANGUAGES {
        if only.as_deref().is_some_and(|o| o != *lang) {
            continue;
        }
        for &code in RejectCode::ALL {
            out.push(view(&overrides, code, lang));
        }
    }
    Ok(out)
}

fn parse_key(language: &str, code: &str) -> ServiceResult<(String, RejectCode)> {
    let mut errors = Vec::new();
    let lang = check_language("language", language).map_err(|e| errors.push(e));
    let code = check_reject_code("code", code).map_err(|e| errors.push(e));
    match (lang, code) {
        (Ok(l), Ok(c)) => Ok((l, c)),
        _ => Err(ServiceError::Validation(errors)),
    }
}

/// Set the text of `code` in `language`. Audited with the old and new text.
pub async fn update(
    b: &Backend,
    p: &Principal,
    language: &str,
    code: &str,
    message: &str,
) -> ServiceResult<PosMessageView> {
    p.require(Capability::PosMessages)?;
    let (lang, code) = parse_key(language, code)?;
    let message =
        check_pos_message("message", message).map_err(|e| ServiceError::Validation(vec![e]))?;
    let key = (code.as_str().to_owned(), lang.clone());
    let before = load(b).await?;
    let old = view(&before, code, &lang);
    let now = b.now_ms();
    let row = pos_messages::ActiveModel {
        code: Set(key.0.clone()),
        language: Set(lang.clone()),
        message: Set(message.clone()),
        updated_at: Set(now),
        updated_by: Set(p.user_id.clone()),
    };
    pos_messages::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                pos_messages::Column::Code,
                pos_messages::Column::Language,
            ])
            .update_columns([
                pos_messages::Column::Message,
                pos_messages::Column::UpdatedAt,
                pos_messages::Column::UpdatedBy,
            ])
            .to_owned(),
        )
        .exec_without_returning(&b.db)
        .await?;
    b.pos_messages.invalidate();
    record(
        b,
        p,
        "pos_message.update",
        &format!("{lang}/{}", code.as_str()),
        serde_json::json!({"old": old.message, "old_custom": old.custom, "new": message}),
    )
    .await;
    let after = load(b).await?;
    Ok(view(&after, code, &lang))
}

/// Drop the override of `code` in `language`: the built-in text (English) applies again.
pub async fn reset(
    b: &Backend,
    p: &Principal,
    language: &str,
    code: &str,
) -> ServiceResult<PosMessageView> {
    p.require(Capability::PosMessages)?;
    let (lang, code) = parse_key(language, code)?;
    let existing = pos_messages::Entity::find_by_id((code.as_str().to_owned(), lang.clone()))
        .one(&b.db)
        .await?;
    if let Some(old) = existing {
        let m: pos_messages::ActiveModel = old.clone().into();
        m.delete(&b.db).await?;
        b.pos_messages.invalidate();
        record(
            b,
            p,
            "pos_message.reset",
            &format!("{lang}/{}", code.as_str()),
            serde_json::json!({"old": old.message}),
        )
        .await;
    }
    let after = load(b).await?;
    Ok(view(&after, code, &lang))
}

/// What a terminal sending `accept_language` gets for `code` (the panel's preview), from the
/// stored texts (not this server's cached copy).
pub async fn preview(
    b: &Backend,
    p: &Principal,
    code: &str,
    accept: &str,
) -> ServiceResult<PosMessagePreview> {
    p.require(Capability::PosMessages)?;
    let code = check_reject_code("code", code).map_err(|e| ServiceError::Validation(vec![e]))?;
    if accept.len() > 1024 {
        return Err(ServiceError::field(
            "accept_language",
            "At most 1024 characters.",
        ));
    }
    let overrides = load(b).await?;
    let (language, message) = pick(&overrides, code, &accept_language(accept));
    Ok(PosMessagePreview {
        code: code.as_str().to_owned(),
        accept_language: accept.to_owned(),
        language,
        message,
    })
}

async fn record(b: &Backend, p: &Principal, action: &str, target: &str, detail: serde_json::Value) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("pos_message"),
            target_id: Some(target),
            outcome: "success",
            detail: Some(detail),
            client_addr: None,
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, lang: &str, msg: &str) -> ((String, String), pos_messages::Model) {
        (
            (code.to_owned(), lang.to_owned()),
            pos_messages::Model {
                code: code.to_owned(),
                language: lang.to_owned(),
                message: msg.to_owned(),
                updated_at: 0,
                updated_by: "u".into(),
            },
        )
    }

    #[test]
    fn preferred_language_with_a_text_wins_else_english() {
        let o: Overrides = [
            row("LIMIT_EXCEEDED", "de", "Limit erreicht."),
            row("LIMIT_EXCEEDED", "pl", "Limit wyczerpany."),
        ]
        .into_iter()
        .collect();
        let langs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let code = RejectCode::LimitExceeded;
        assert_eq!(pick(&o, code, &langs(&["de"])).1, "Limit erreicht.");
        assert_eq!(pick(&o, code, &langs(&["fr", "pl"])).0, "pl");
        assert_eq!(pick(&o, code, &langs(&["en", "de"])).1, code.message());
        assert_eq!(pick(&o, code, &langs(&[])).0, "en");
        let other = RejectCode::CooldownActive;
        assert_eq!(
            pick(&o, other, &langs(&["de"])),
            ("en".into(), other.message().into())
        );
    }
}
