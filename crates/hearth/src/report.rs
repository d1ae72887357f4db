//! `hearth report`: the figures of communities for a period, as a table, JSON, CSV or XLSX.
//! The same `reports::build` and `export` functions as the web's, so the numbers agree.

use hearth_core::reports::{self, ReportQuery};
use hearth_core::{Actor, CoreError, Store};
use hearth_web::export;
use hearth_web::i18n::Lang;

use crate::cli::ReportArgs;

/// Names the argument at fault, as the command line spells it.
fn describe(e: CoreError) -> String {
    match e {
        CoreError::Invalid(fields) => fields
            .0
            .iter()
            .map(|f| {
                let arg = if f.field == "community" { "--community".to_owned() } else { format!("--{}", f.field) };
                let what = match f.code {
                    "invalid_date" => "is not a date (use YYYY-MM-DD)",
                    "date_before_from" => "is before --from",
                    "unknown_community" => "names no community",
                    "required" => "is required (no community exists yet)",
                    other => other,
                };
                format!("{arg} {what}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub async fn run(store: &Store, args: ReportArgs) -> Result<(), String> {
    let format = args.format.trim().to_ascii_lowercase();
    if !["text", "json", "csv", "xlsx"].contains(&format.as_str()) {
        return Err(format!("--format {:?} is not one of text, json, csv, xlsx", args.format));
    }
    if format == "xlsx" && args.out.is_none() {
        return Err("--format xlsx needs --out FILE".into());
    }
    let lang = Lang::parse(&args.lang).ok_or_else(|| format!("--lang {:?} is not en or zh-CN", args.lang))?;
    // Reading the database is enough here: no report leaves through this command unsuppressed
    // except to the operator who could read the database anyway.
    let query = ReportQuery { communities: args.communities, from: Some(args.from), to: Some(args.to), outside: false };
    let report = reports::build(store, &Actor::system(), &query).await.map_err(describe)?;
    let bytes: Vec<u8> = match format.as_str() {
        "json" => {
            let mut s = serde_json::to_string_pretty(&export::report_out(&report)).map_err(|e| e.to_string())?;
            s.push('\n');
            s.into_bytes()
        }
        "csv" => export::csv(&report, lang)?,
        "xlsx" => export::xlsx(&report)?,
        _ => export::text(&report, lang).into_bytes(),
    };
    match &args.out {
        Some(path) => std::fs::write(path, bytes).map_err(|e| format!("--out {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
