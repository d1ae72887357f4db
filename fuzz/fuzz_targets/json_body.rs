//! The JSON body extractor of the API: any bytes give a record or a 400/422 naming the
//! field, never a server error.
#![no_main]

use axum::extract::FromRequest;
use axum::http::StatusCode;
use hearth_core::registry::{households, residents};
use hearth_core::visits::{follow_ups, records};
use hearth_web::api::json::{self, ApiJson};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use common::{now, post};

fn extract<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let req = post("application/json", body)?;
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
