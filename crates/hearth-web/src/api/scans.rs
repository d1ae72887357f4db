//! Scans attached to records (employment help's referral agreements, partnership
//! agreements): one way to take an upload's body and one way to send a scan back, so every
//! attachment is handled alike — the size checked before anything is stored, the type told
//! by the content (in the core), the download an attachment the browser never sniffs.

use std::future::Future;

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hearth_core::jobs::employers::MAX_SCAN_BYTES;
use hearth_core::{CoreError, FieldErrors};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::WebError;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScanQuery {
    /// The file's name, to offer it back under (cleaned; the extension follows its type).
    pub file_name: Option<String>,
}

/// The request body as a scan. A body over the limit is refused on `scan`, but only once
/// `found` has confirmed the record is the caller's to see (a stranger's id stays 404).
pub async fn body<F>(req: Request, found: F) -> Result<Vec<u8>, WebError>
where
    F: Future<Output = Result<(), WebError>>,
{
    match to_bytes(req.into_body(), MAX_SCAN_BYTES + 1).await {
        Ok(b) => Ok(b.to_vec()),
        Err(_) => {
            found.await?;
            let mut e = FieldErrors::new();
            e.add_arg("scan", "file_too_large", 5);
            Err(CoreError::Invalid(e).into())
        }
    }
}

/// A stored scan as a download: an attachment in the type its content has, never sniffed.
pub fn download((name, kind, bytes): (String, String, Vec<u8>)) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
