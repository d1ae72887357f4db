//! Form state shared by every HTML form: submitted values (to re-fill the form after an
//! error), and field errors translated into the user's language for inline display.

use std::collections::HashMap;

use axum::http::HeaderMap;
use hearth_core::CoreError;

use hearth_core::FieldErrors;

use super::is_htmx;
use crate::error::WebError;

use crate::error::field_message;
use crate::i18n::Lang;

#[derive(Clone, Debug)]
pub struct FormState {
    pub lang: Lang,
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn new(lang: Lang) -> FormState {
        FormState { lang, values: HashMap::new(), errors: FieldErrors::new() }
    }
    /// From submitted `(name, value)` pairs; a repeated name keeps the last value.
    pub fn from_pairs(lang: Lang, pairs: &[(String, String)]) -> FormState {
        FormState { lang, values: pairs.iter().cloned().collect(), errors: FieldErrors::new() }
    }
    pub fn set(&mut self, field: &str, value: impl ToString) {
        self.values.insert(field.to_owned(), value.to_string());
    }
    pub fn set_opt(&mut self, field: &str, value: Option<impl ToString>) {
        self.values.insert(field.to_owned(), value.map(|v| v.to_string()).unwrap_or_default());
    }
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
    /// The submitted value as the core's "submitted or not" option.
    pub fn get(&self, field: &str) -> Option<String> {
        self.values.get(field).cloned()
    }
    pub fn checked(&self, field: &str) -> bool {
        matches!(self.value(field), "on" | "true" | "1" | "yes")
    }
    pub fn selected(&self, field: &str, option: &str) -> bool {
        self.value(field) == option
    }
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|e| field_message(self.lang, e))
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
    /// All errors, for the summary at the top of a form.
    pub fn all_errors(&self) -> Vec<(String, String)> {
        self.errors.0.iter().map(|e| (e.field.clone(), field_message(self.lang, e))).collect()
    }
}

/// An id from the path; anything that is not one names no record, so it is a 404 (not a
/// 400 that would tell a prober which ids are well-formed).
pub fn parse_id(s: &str) -> Result<i64, WebError> {
    s.parse().map_err(|_| WebError::NotFound)
}

/// Problems the user can fix go back to the form; anything else becomes an error page.
pub fn form_errors(e: CoreError) -> Result<FieldErrors, WebError> {
    match e {
        CoreError::Invalid(f) => Ok(f),
        CoreError::Conflict { field, code } => {
            let mut f = FieldErrors::new();
            f.add(&field, code);
            Ok(f)
        }
        e => Err(e.into()),
    }
}

/// htmx asks for the fragment it swaps in, except when restoring history after "back":
/// then it replaces the whole page and needs the whole page.
pub fn wants_partial(headers: &HeaderMap) -> bool {
    is_htmx(headers) && headers.get("hx-history-restore-request").is_none()
}

/// `None` for an absent or blank query value.
pub fn non_blank(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A vocabulary as form options: (stored word, label in the reader's language).
pub fn word_options<W: hearth_core::word::Word>(ctx: &crate::context::Ctx) -> Vec<(String, String)> {
    W::all().into_iter().map(|w| (w.word(), ctx.t(&w.fluent_key()))).collect()
}

/// An irreversible action, asked once more: what will happen, in the worker's words, and the
/// same fields sent again with `confirmed=yes` (it works without scripts).
pub struct ConfirmStep {
    pub title: String,
    /// Sentences saying what happens, and what cannot be undone.
    pub what_happens: Vec<String>,
    pub action: String,
    /// The submitted fields, sent again (the CSRF token is the page's own).
    pub pairs: Vec<(String, String)>,
    pub confirm_label: String,
    pub cancel_href: String,
}

#[derive(askama::Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    ctx: crate::context::Ctx,
    step: ConfirmStep,
}

/// The confirm page for `step`.
pub fn confirm_page(ctx: crate::context::Ctx, step: ConfirmStep) -> Result<axum::response::Response, WebError> {
    super::render(&ConfirmPage { ctx, step })
}

/// The submission is the confirming one (sent from a confirm page).
pub fn confirmed(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, v)| k == "confirmed" && v == "yes")
}

/// The fields to send again from a confirm page: all but the token and the confirmation.
pub fn resend(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, _)| k != "csrf_token" && k != "confirmed").cloned().collect()
}

/// A number typed in a form: blank is none, anything else not a whole number is -1 (the
/// core then names the field).
pub fn number(v: &str) -> Option<i64> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.parse().unwrap_or(-1))
}

/// Where a form asks to go back to (a page of ours only), or the default.
pub fn back_to(form: &FormState, default: String) -> String {
    let b = form.value("back");
    if super::is_safe_next(b) { b.to_owned() } else { default }
}

/// `path` with `saved=1` (the page then says the change was saved), its fragment kept.
pub fn with_saved(path: &str) -> String {
    let (p, frag) = path.split_once('#').map_or((path, ""), |(p, f)| (p, f));
    let sep = if p.contains('?') { '&' } else { '?' };
    if frag.is_empty() { format!("{p}{sep}saved=1") } else { format!("{p}{sep}saved=1#{frag}") }
}

/// Residents of a community that a name search (as typed, pinyin, initials)
/// finds, first ten, each with whether `listed` already has them: (id, name, listed).
pub async fn find_residents(
    state: &crate::AppState,
    actor: &hearth_core::Actor,
    community_id: i64,
    q: &str,
    listed: impl Fn(i64) -> bool,
) -> Result<Vec<(i64, String, bool)>, WebError> {
    let Some(q) = non_blank(Some(q.to_owned())) else {
        return Ok(Vec::new());
    };
    let slug = hearth_core::registry::communities::get(&state.store, actor, community_id).await?.slug;
    let query = hearth_core::registry::residents::ListQuery {
        community: Some(slug),
        q: Some(q),
        limit: Some(10),
        ..Default::default()
    };
    let page = hearth_core::registry::residents::list(&state.store, actor, &query).await?;
    Ok(page.items.into_iter().map(|r| (r.id, r.full_name, listed(r.id))).collect())
}
