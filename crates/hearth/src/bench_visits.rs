//! `hearth bench visits`: coverage and follow-up queues at scale (being built).

use hearth_core::Store;

pub async fn run(_store: &Store, _households: usize, _iterations: u32) -> Result<String, String> {
    Err("hearth bench visits is not built yet".into())
}
