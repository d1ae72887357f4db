//! What the fuzz targets share.

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::http::{Request, header};

/// Runs a future over an in-memory body, which never has to wait.
pub fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("an in-memory body never waits"),
    }
}

/// A POST of `body` with `content_type`, as a browser or client sends it.
pub fn post(content_type: &str, body: &[u8]) -> Option<Request<Body>> {
    Request::builder().method("POST").header(header::CONTENT_TYPE, content_type).body(Body::from(body.to_vec())).ok()
}
