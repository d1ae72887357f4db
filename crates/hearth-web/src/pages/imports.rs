//! Importing a spreadsheet from the browser: upload (`/imports`), then on the upload's page
//! the first rows with the column each goes to (guessed from the headers in either
//! language, correctable), a check of every row with each problem named by row and column,
//! and the import itself with a progress bar — all rows or none, or on an explicit choice
//! only the valid ones, with the refused rows to download and fix. Blank templates with
//! bilingual headers come as CSV and XLSX. Everything goes through `hearth_core::import`.

use askama::Template;
use axum::extract::{Form, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::import::{self, Report, uploads};
use hearth_core::record::EntityKind;
use hearth_core::{CoreError, FieldErrors, Permission};

use super::form::{FormState, form_errors, parse_id};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::i18n::{AllLanguages, FluentArg};
use crate::practice::{NavEntry, Pages, WebPractice};

pub const AREA: WebPractice = WebPractice {
    key: "imports",
    pages,
    api: None,
    api_tags: &[],
    nav: &[NavEntry::link("/imports", "nav-imports", Permission::EditPeople)],
    badges: None,
    links: &[(EntityKind::Import, "/imports/{id}")],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

static NAMES: AllLanguages = AllLanguages;

fn pages() -> Pages {
    Pages::new()
        .get("/imports", list)
        .post_with_limit("/imports", upload, uploads::MAX_UPLOAD_BYTES + 64 * 1024)
        .get("/imports/templates/{file}", blank)
        .get("/imports/{id}", show)
        .post("/imports/{id}/check", check)
        .post("/imports/{id}/run", run)
        .get("/imports/{id}/progress", progress)
        .get("/imports/{id}/rejected.csv", rejected)
}

pub struct UploadRow {
    pub href: String,
    pub file_name: String,
    pub template: String,
    pub community: String,
    pub status: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "imports/list.html")]
struct ListPage {
    ctx: Ctx,
    form: FormState,
    templates: Vec<(String, String)>,
    communities: Vec<(String, String)>,
    uploads: Vec<UploadRow>,
    max_mb: i64,
}

fn template_name(ctx: &Ctx, key: &str) -> String {
    ctx.t(&format!("import-template-{key}"))
}

fn status_name(ctx: &Ctx, status: &str) -> String {
    ctx.t(&format!("import-status-{status}"))
}

async fn list_page(state: &AppState, ctx: Ctx, form: FormState) -> Result<ListPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let communities: Vec<(String, String)> = hearth_core::registry::communities::list(&state.store, actor)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.name))
        .collect();
    let uploads = uploads::recent(&state.store, actor, 20)
        .await?
        .into_iter()
        .map(|(id, t, file_name, status, community, at)| UploadRow {
            href: format!("/imports/{id}"),
            file_name,
            template: template_name(&ctx, &t),
            community,
            status: status_name(&ctx, &status),
            at: ctx.local_time(&at),
        })
        .collect();
    Ok(ListPage {
        templates: import::templates()
            .filter(|t| hearth_core::policy::allows(actor.role, t.permission))
            .map(|t| (t.key.to_owned(), template_name(&ctx, t.key)))
            .collect(),
        communities,
        uploads,
        max_mb: (uploads::MAX_UPLOAD_BYTES / (1024 * 1024)) as i64,
        form,
        ctx,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&list_page(&state, ctx, form).await?)
}

async fn upload(State(state): State<AppState>, ctx: Ctx, req: Request) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::EditPeople)?;
    let (pairs, file_name, bytes, too_large) = super::jobs::read_file(req, &state, "file").await?;
    if !too_large && !crate::csrf::multipart_token_ok(&ctx, &pairs) {
        return Err(WebError::CsrfRejected);
    }
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let result = if too_large {
        let mut e = FieldErrors::new();
        e.add_arg("file", "file_too_large", (uploads::MAX_UPLOAD_BYTES / (1024 * 1024)) as i64);
        Err(CoreError::Invalid(e))
    } else {
        uploads::create(
            &state.store,
            ctx.actor()?,
            form.value("community"),
            form.value("template"),
            file_name.as_deref().unwrap_or("upload"),
            bytes,
        )
        .await
    };
    match result {
        Ok(row) => Ok(Redirect::to(&format!("/imports/{}", row.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&state, ctx, form).await?)
        }
    }
}

/// A blank template: `households.csv` (UTF-8 with a BOM, so Excel and WPS open it right)
/// or `households.xlsx`, one bilingual header row.
async fn blank(ctx: Ctx, Path(file): Path<String>) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::EditPeople)?;
    let (key, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    let t = import::template(key).ok_or(WebError::NotFound)?;
    let header = import::template_header(t, &NAMES);
    let (bytes, mime) = match ext {
        "csv" => {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(&header).map_err(|e| WebError::Internal(e.to_string()))?;
            (w.into_inner().map_err(|e| WebError::Internal(e.to_string()))?, "text/csv; charset=utf-8")
        }
        "xlsx" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (i, h) in header.iter().enumerate() {
                let col = u16::try_from(i).map_err(|e| WebError::Internal(e.to_string()))?;
                sheet.write_string_with_format(0, col, h, &bold).map_err(|e| WebError::Internal(e.to_string()))?;
                sheet.set_column_width(col, 18).map_err(|e| WebError::Internal(e.to_string()))?;
            }
            let bytes = book.save_to_buffer().map_err(|e| WebError::Internal(e.to_string()))?;
            (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
        _ => return Err(WebError::NotFound),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"hearth-{key}.{ext}\"")),
        ],
        bytes,
    )
        .into_response())
}

pub struct ColumnView {
    pub index: usize,
    pub header: String,
    pub sample: String,
    pub field: String,
    pub error: Option<String>,
}

pub struct ErrorView {
    pub line: u64,
    pub column: String,
    pub message: String,
    pub value: String,
}

pub struct ReportView {
    pub summary: String,
    pub errors: Vec<ErrorView>,
    pub more: i64,
    pub rejected: i64,
    pub valid: i64,
    pub fatal: Option<String>,
    pub missing: Option<String>,
    pub committed: bool,
}

#[derive(Template)]
#[template(path = "imports/show.html")]
struct ShowPage {
    ctx: Ctx,
    form: FormState,
    id: i64,
    file_name: String,
    template: String,
    community: String,
    status: String,
    status_key: String,
    format: String,
    header_line: i64,
    columns: Vec<ColumnView>,
    fields: Vec<(String, String)>,
    preview: Vec<Vec<String>>,
    report: Option<ReportView>,
    running: Option<ProgressView>,
    has_rejected: bool,
}

pub struct ProgressView {
    pub id: i64,
    pub rows: u64,
    pub percent: u64,
    pub label: String,
}

fn report_view(ctx: &Ctx, t: &import::Template, r: &Report) -> ReportView {
    let n = |k: &'static str, v: u64| (k, FluentArg::Num(v as i64));
    let fatal = r.fatal.as_ref().map(|(code, detail)| {
        let text = ctx.t(&format!("import-error-{}", code.replace('_', "-")));
        if code == "malformed" { format!("{text} ({detail})") } else { text }
    });
    let missing = (!r.missing.is_empty()).then(|| {
        let fields: Vec<String> = r.missing.iter().map(|f| ctx.t(&t.field_name_key(f))).collect();
        ctx.lang.t_args("import-missing-columns", &[("fields", FluentArg::Str(fields.join(", ")))])
    });
    ReportView {
        summary: ctx.lang.t_args(
            "import-summary",
            &[n("rows", r.rows), n("new", r.new), n("unchanged", r.unchanged + r.repeated), n("rejected", r.rejected)],
        ),
        errors: r
            .errors
            .iter()
            .map(|e| {
                let key = format!("err-{}", e.code.replace('_', "-"));
                let message = match e.arg {
                    Some(n) => ctx.lang.t_args(&key, &[("max", FluentArg::Num(n))]),
                    None => ctx.t(&key),
                };
                let field = ctx.t(&t.field_name_key(&e.field));
                ErrorView {
                    line: e.line,
                    column: match &e.column {
                        Some(c) if c.trim() != field => format!("{field} ({c})"),
                        _ => field,
                    },
                    message,
                    value: e.value.clone(),
                }
            })
            .collect(),
        more: r.rejected.saturating_sub(r.errors.len() as u64) as i64,
        rejected: r.rejected as i64,
        valid: r.new as i64,
        fatal,
        missing,
        committed: r.committed,
    }
}

fn progress_view(ctx: &Ctx, id: i64, p: import::Progress) -> ProgressView {
    let percent = p.fraction.map(|f| (f * 100.0).round() as u64).unwrap_or(0);
    ProgressView { id, rows: p.rows, percent, label: ctx.t1("import-progress", "rows", p.rows as i64) }
}

async fn show_page(state: &AppState, ctx: Ctx, id: i64, form: FormState) -> Result<ShowPage, WebError> {
    let actor = ctx.actor()?;
    let (row, community) = uploads::load(&state.store, actor, id).await?;
    let t = import::template(&row.template).ok_or(WebError::NotFound)?;
    // The page shows rows of the file: a read of personal data.
    hearth_core::audit::record(
        &state.store,
        actor,
        hearth_core::audit::Entry::new(hearth_core::audit::Action::Read, EntityKind::Import, Some(row.id))
            .community(community.id),
    )
    .await?;
    let stored = uploads::report_of(&row);
    let file_report = match (&stored, row.status.as_str()) {
        (Some(r), _) => r.clone(),
        (None, _) => {
            let bytes = std::sync::Arc::new(row.content.clone());
            tokio::task::spawn_blocking(move || import::preview(t, &import::sheet::Source::Bytes(bytes), &NAMES))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?
        }
    };
    let running = uploads::progress(&state.store, id).map(|p| progress_view(&ctx, id, p));
    let mut columns: Vec<ColumnView> = file_report
        .columns
        .iter()
        .map(|c| ColumnView {
            index: c.index,
            header: c.header.clone(),
            sample: file_report.preview.first().and_then(|r| r.get(c.index)).cloned().unwrap_or_default(),
            field: c.field.clone().unwrap_or_default(),
            error: None,
        })
        .collect();
    // A mapping sent back with errors shows what was chosen, with the errors beside it.
    for c in &mut columns {
        let name = format!("column-{}", c.index);
        if let Some(v) = form.get(&name) {
            c.field = v;
        }
        c.error = form.error(&name);
    }
    let mut fields = vec![(String::new(), ctx.t("import-leave-out"))];
    fields.extend(t.fields.iter().map(|f| {
        let name = ctx.t(&t.field_name_key(f.key));
        (f.key.to_owned(), if f.required { format!("{name} *") } else { name })
    }));
    let report = stored.as_ref().map(|r| report_view(&ctx, t, r));
    Ok(ShowPage {
        id,
        file_name: row.file_name.clone(),
        template: template_name(&ctx, t.key),
        community: community.name,
        status: status_name(&ctx, &row.status),
        status_key: row.status.clone(),
        format: file_report.format.clone(),
        header_line: file_report.header_line as i64,
        columns,
        fields,
        preview: file_report.preview.clone(),
        report: if row.status == uploads::UPLOADED { None } else { report },
        running,
        has_rejected: row.status == uploads::DONE && !row.content.is_empty(),
        form,
        ctx,
    })
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&show_page(&state, ctx, id, form).await?)
}

/// Saves the mapping the worker chose and checks every row with it.
async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let (row, _) = uploads::load(&state.store, actor, id).await?;
    let t = import::template(&row.template).ok_or(WebError::NotFound)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let current = uploads::report_of(&row).map(|r| r.columns).unwrap_or_else(|| {
        import::preview(t, &import::sheet::Source::Bytes(std::sync::Arc::new(row.content.clone())), &NAMES).columns
    });
    let columns: Vec<import::Column> = current
        .into_iter()
        .map(|c| {
            let chosen = form.get(&format!("column-{}", c.index)).map(|v| v.trim().to_owned());
            let field = match chosen {
                Some(v) if v.is_empty() => None,
                Some(v) => Some(v),
                None => c.field.clone(),
            };
            import::Column { field, ..c }
        })
        .collect();
    match uploads::check(&state.store, actor, id, Some(columns), &NAMES).await {
        Ok(_) => Ok(Redirect::to(&format!("/imports/{id}#report")).into_response()),
        Err(e) => {
            let mut f = form;
            f.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, ctx, id, f).await?)
        }
    }
}

async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let valid_only = form.value("valid_only") == "1";
    match uploads::start(&state.store, ctx.actor()?, id, valid_only, &NAMES).await {
        Ok(()) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(e) => {
            let mut f = form;
            f.errors = form_errors(e)?;
            render_status(StatusCode::CONFLICT, &show_page(&state, ctx, id, f).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "imports/progress.html")]
struct ProgressPartial {
    ctx: Ctx,
    running: Option<ProgressView>,
    id: i64,
}

/// The progress bar, polled by htmx while the import runs; when it has ended, a link to the
/// outcome replaces it.
async fn progress(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    uploads::load(&state.store, ctx.actor()?, id).await?;
    let running = uploads::progress(&state.store, id).map(|p| progress_view(&ctx, id, p));
    render(&ProgressPartial { ctx, running, id })
}

async fn rejected(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let bytes = uploads::rejected(&state.store, ctx.actor()?, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"refused-rows-{id}.csv\"")),
        ],
        bytes,
    )
        .into_response())
}
