//! Form state shared by every HTML form: submitted values (to re-fill the form after an
//! error), and field errors translated into the user's language for inline display.

use std::collections::HashMap;

use hearth_core::FieldErrors;

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
