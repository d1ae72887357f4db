//! A form body as a browser posts it, decoded the way the server does, into the household
//! form's input and checked by the core.
#![no_main]

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::Form;
use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, header};
use hearth_core::CoreError;
use hearth_core::registry::households;
use hearth_web::i18n::Lang;
use hearth_web::pages::form::FormState;
use libfuzzer_sys::fuzz_target;

/// Runs a future over an in-memory body, which never has to wait.
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("an in-memory body never waits"),
    }
}

const FIELDS: [&str; 8] = ["code", "address", "building", "unit", "phone", "moved_in_on", "moved_out_on", "notes"];

fuzz_target!(|body: &[u8]| {
    let Ok(req) = Request::builder()
        .method("POST")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
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
