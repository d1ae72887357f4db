//! `hearth import TEMPLATE FILE --community SLUG`: a spreadsheet through the same import
//! the web page uses, with a progress line on the terminal and the report in the chosen
//! language.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use hearth_core::import::{self, Mode, Progress, sheet::Source};
use hearth_core::{Actor, Store};
use hearth_web::i18n::{AllLanguages, FluentArg, Lang};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// What the file holds: households or residents.
    pub template: String,
    pub file: PathBuf,
    /// The community it goes into (slug).
    #[arg(long)]
    pub community: String,
    /// Check every row and report; store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Store the valid rows even if some are refused (default: all rows or none).
    #[arg(long)]
    pub valid_only: bool,
    /// With --valid-only: write the refused rows here (CSV, with the reasons) to fix.
    #[arg(long)]
    pub rejected: Option<PathBuf>,
    /// Language of the report (en or zh-CN).
    #[arg(long, default_value = "en")]
    pub lang: String,
}

/// A row error in words: "row 37, Address (address): required".
pub fn describe(lang: Lang, t: &import::Template, e: &import::RowError) -> String {
    let field = lang.t(&t.field_name_key(&e.field));
    let key = format!("err-{}", e.code.replace('_', "-"));
    let reason = match e.arg {
        Some(n) => lang.t_args(&key, &[("max", FluentArg::Num(n))]),
        None => lang.t(&key),
    };
    let column = e.column.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
    let value = if e.value.is_empty() { String::new() } else { format!(" «{}»", e.value) };
    lang.t_args(
        "import-row-error",
        &[
            ("line", FluentArg::Num(e.line as i64)),
            ("field", FluentArg::Str(format!("{field}{column}"))),
            ("reason", FluentArg::Str(format!("{reason}{value}"))),
        ],
    )
}

pub async fn run(store: &Store, args: ImportArgs) -> Result<ExitCode, String> {
    let lang = Lang::ALL.into_iter().find(|l| l.code() == args.lang).unwrap_or(Lang::En);
    let t = import::template(&args.template).ok_or_else(|| {
        let known: Vec<&str> = import::templates().map(|t| t.key).collect();
        format!("no template {:?}: one of {}", args.template, known.join(", "))
    })?;
    let actor = Actor::system();
    let community = import::community_for(store, &actor, &args.community).await.map_err(|e| e.to_string())?;
    let mode = match (args.dry_run, args.valid_only) {
        (true, _) => Mode::Check,
        (false, true) => Mode::ValidOnly,
        (false, false) => Mode::AllOrNothing,
    };
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: Progress| {
        let pct = p.fraction.map(|f| format!(" {:>3.0}%", f * 100.0)).unwrap_or_default();
        let bar = p.fraction.map(|f| {
            let filled = (f * 30.0).round() as usize;
            format!(" [{}{}]", "#".repeat(filled), ".".repeat(30usize.saturating_sub(filled)))
        });
        if tty {
            eprint!("\r{}{pct} {} rows", bar.unwrap_or_default(), p.rows);
        } else {
            eprintln!("{pct} {} rows", p.rows);
        }
        let _ = std::io::stderr().flush();
    };
    let source = Source::Path(args.file.clone());
    let (report, rejected) = import::run(
        store,
        &actor,
        import::Job { community: &community, template: t, source: &source, columns: None, mode },
        &AllLanguages,
        &progress,
    )
    .await
    .map_err(|e| e.to_string())?;
    if tty {
        eprintln!();
    }
    let mut out = std::io::stdout().lock();
    let say = |out: &mut std::io::StdoutLock, s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    say(&mut out, format!("{} ({})", args.file.display(), report.format))?;
    if let Some((code, detail)) = &report.fatal {
        say(&mut out, format!("{}: {detail}", lang.t(&format!("import-error-{}", code.replace('_', "-")))))?;
        return Ok(ExitCode::from(2));
    }
    if !report.missing.is_empty() {
        let fields: Vec<String> = report.missing.iter().map(|f| lang.t(&t.field_name_key(f))).collect();
        say(&mut out, lang.t_args("import-missing-columns", &[("fields", FluentArg::Str(fields.join(", ")))]))?;
        return Ok(ExitCode::from(2));
    }
    for e in &report.errors {
        say(&mut out, describe(lang, t, e))?;
    }
    if report.rejected as usize > report.errors.len() {
        say(&mut out, format!("… {}", report.rejected as usize - report.errors.len()))?;
    }
    let n = |k: &'static str, v: u64| (k, FluentArg::Num(v as i64));
    say(
        &mut out,
        lang.t_args(
            "import-summary",
            &[
                n("rows", report.rows),
                n("new", report.new),
                n("unchanged", report.unchanged + report.repeated),
                n("rejected", report.rejected),
            ],
        ),
    )?;
    let verdict = match (mode, report.committed) {
        (Mode::Check, _) => "import-verdict-checked",
        (_, true) => "import-verdict-stored",
        (Mode::AllOrNothing, false) if report.rejected > 0 => "import-verdict-nothing",
        _ => "import-verdict-no-change",
    };
    say(&mut out, lang.t(verdict))?;
    if let (Some(path), Some(bytes)) = (&args.rejected, rejected.into_bytes()) {
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        say(&mut out, format!("→ {}", path.display()))?;
    }
    Ok(if report.rejected > 0 && mode != Mode::ValidOnly { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
