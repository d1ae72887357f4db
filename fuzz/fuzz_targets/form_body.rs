//! A form body as a browser posts it, decoded the way the server does, into the household
//! form's input and checked by the core.
#![no_main]

use axum::Form;
use axum::extract::FromRequest;
use hearth_core::CoreError;
use hearth_core::registry::households;
use hearth_web::i18n::Lang;
use hearth_web::pages::form::FormState;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use common::{now, post};

const FIELDS: [&str; 8] = ["code", "address", "building", "unit", "phone", "moved_in_on", "moved_out_on", "notes"];

fuzz_target!(|body: &[u8]| {
    let Some(req) = post("application/x-www-form-urlencoded", body) else { return };
    let Ok(Form(pairs)) = now(Form::<Vec<(String, String)>>::from_request(req, &())) else { return };
    let mut form = FormState::from_pairs(Lang::ZhCn, &pairs);
    let input = hearth_web::pages::households::input_from(&form, true);
    match households::check_new(&input) {
        Ok(()) => {
            assert!(form.value("code").trim().chars().count() > 0);
            assert!(form.value("address").trim().chars().count() > 0);
        }
        Err(CoreError::Invalid(errors)) => {
            assert!(!errors.is_empty());
            form.errors = errors.clone();
            for e in &errors.0 {
                assert!(FIELDS.contains(&e.field.as_str()), "error on a field the form has not: {}", e.field);
                // Every error has a sentence in the user's language.
                assert!(form.error(&e.field).is_some_and(|m| !m.is_empty()));
            }
        }
        Err(other) => panic!("a form's fields gave {other:?}"),
    }
});
