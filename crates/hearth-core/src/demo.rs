//! The demo community of shared/DEMO.md (being built).

use crate::error::CoreResult;
use crate::store::Store;

pub async fn ensure(_store: &Store) -> CoreResult<String> {
    Ok("demo: not yet available".into())
}
