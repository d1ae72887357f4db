//! `hearth report`: a community's figures for a period (being built).

use hearth_core::Store;

use crate::cli::ReportArgs;

pub async fn run(_store: &Store, _args: ReportArgs) -> Result<(), String> {
    Err("hearth report is not built yet".into())
}
