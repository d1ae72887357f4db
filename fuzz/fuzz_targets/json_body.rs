//! The JSON body extractor of the API: any bytes give a record or a 400/422 naming the
//! field, never a server error.
#![no_main]

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, StatusCode, header};
use hearth_core::registry::{households, residents};
use hearth_core::visits::{follow_ups, records};
use hearth_web::api::json::{self, ApiJson};
use libfuzzer_sys::fuzz_target;

fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("an in-memory body never waits"),
    }
}

fn request(body: &[u8]) -> Option<Request<Body>> {
    Request::builder()
        .method("POST")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_vec()))
        .ok()
}

fn extract<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let req = request(body)?;
    match now(ApiJson::<T>::from_request(req, &())) {
        Ok(ApiJson(v)) => Some(v),
        Err(res) => {
            // A refusal is a client error, and the same one the parser gives, naming the
            // field whenever it is a 422.
            let status = res.status();
            assert!(
                [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY, StatusCode::PAYLOAD_TOO_LARGE]
                    .contains(&status),
                "{status}"
            );
            if let Err(e) = json::parse::<T>(body) {
                assert_eq!(e.status(), status);
                if status == StatusCode::UNPROCESSABLE_ENTITY {
                    assert!(!e.fields().is_empty(), "a 422 names no field");
                }
            }
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((which, body)) = data.split_first() else { return };
    match which % 4 {
        0 => {
            if let Some(h) = extract::<households::HouseholdInput>(body) {
                let _ = households::check_new(&h);
            }
        }
        1 => drop(extract::<residents::ResidentInput>(body)),
        2 => drop(extract::<records::VisitInput>(body)),
        _ => drop(extract::<follow_ups::FollowUpUpdate>(body)),
    }
});
