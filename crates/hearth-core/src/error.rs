//! The core layer's one error type. Every variant maps to one HTTP status in the web layer;
//! codes are stable snake_case strings that the UI translates (never shown raw to a user).

use std::fmt;

/// A validation problem with one named field. `code` is a stable key (`required`,
/// `too_long`, `invalid_date`, …) that the UI turns into a sentence in the user's language.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    /// Extra facts the translated sentence needs (e.g. the maximum length).
    pub arg: Option<i64>,
}

/// Collects every problem in a submission so the user sees all of them at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    pub fn add(&mut self, field: &str, code: &'static str) {
        self.0.push(FieldError { field: field.to_owned(), code, arg: None });
    }
    pub fn add_arg(&mut self, field: &str, code: &'static str, arg: i64) {
        self.0.push(FieldError { field: field.to_owned(), code, arg: Some(arg) });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
    /// `Ok(())` when nothing was wrong, so validators can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), CoreError> {
        if self.0.is_empty() { Ok(()) } else { Err(CoreError::Invalid(self)) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The record does not exist *or* is outside the actor's scope (never tell which).
    #[error("not found")]
    NotFound,
    /// The actor's role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    #[error("not authenticated")]
    Unauthenticated,
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// A uniqueness rule (e.g. household code within a community); names the field.
    #[error("conflict on {field}")]
    Conflict { field: String, code: &'static str },
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(field: &str, code: &'static str) -> Self {
        let mut e = FieldErrors::new();
        e.add(field, code);
        CoreError::Invalid(e)
    }
    /// The stable code the API returns in `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::NotFound => "not_found",
            CoreError::Forbidden => "forbidden",
            CoreError::Unauthenticated => "unauthenticated",
            CoreError::Invalid(_) => "invalid_input",
            CoreError::Conflict { .. } => "conflict",
            CoreError::RateLimited { .. } => "rate_limited",
            CoreError::Db(_) | CoreError::Internal(_) => "internal",
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

/// Redacts a secret in Debug output so tokens never reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}
