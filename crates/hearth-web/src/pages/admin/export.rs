//! The export page: the whole deployment, or one community, as the archive `hearth export`
//! writes (a ZIP of CSV with a manifest of checksums), encrypted with a passphrase when
//! one is given. For admins only: it holds every record of everyone it covers.

use askama::Template;
use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::registry::communities;
use hearth_core::{FieldErrors, Permission, archive};

use super::require;
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::pages::form::FormState;
use crate::pages::{render, render_status};
use crate::practice::Pages;

pub(super) fn pages() -> Pages {
    Pages::new().get("/admin/export", page).post("/admin/export", export)
}

#[derive(Template)]
#[template(path = "admin/export.html")]
struct ExportPage {
    ctx: Ctx,
    communities: Vec<(String, String)>,
    form: FormState,
}

async fn export_page(state: &AppState, ctx: Ctx, form: FormState) -> Result<ExportPage, WebError> {
    let actor = require(&ctx, Permission::ExportAll)?;
    let communities = communities::list(&state.store, actor).await?.into_iter().map(|c| (c.slug, c.name)).collect();
    Ok(ExportPage { ctx, communities, form })
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&export_page(&state, ctx, form).await?)
}

/// Writes the archive to a file of its own (a deployment's can be larger than memory
/// should hold), then sends it; the file is gone from the directory before the first byte
/// leaves, so an interrupted download leaves nothing behind.
async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ExportAll)?;
    // The passphrase is never written back into the page.
    let kept: Vec<(String, String)> = pairs.iter().filter(|(k, _)| !k.starts_with("passphrase")).cloned().collect();
    let mut form = FormState::from_pairs(ctx.lang, &kept);
    let field = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (passphrase, again) = (field("passphrase"), field("passphrase_confirm"));
    let mut e = FieldErrors::new();
    if passphrase != again {
        e.add("passphrase_confirm", "passphrase_mismatch");
    }
    let slug = form.value("community").trim().to_owned();
    let community = if slug.is_empty() {
        None
    } else {
        match communities::by_slug(&state.store, actor, &slug).await {
            Ok(c) => Some(c),
            Err(_) => {
                e.add("community", "unknown_community");
                None
            }
        }
    };
    let result = if e.is_empty() {
        let passphrase = Some(passphrase.as_str()).filter(|p| !p.is_empty());
        write(&state, actor, passphrase, community.as_ref()).await
    } else {
        Err(WebError::Invalid(e))
    };
    match result {
        Ok(file) => {
            let name = format!(
                "hearth-{}-{}.zip",
                community.as_ref().map_or("all", |c| c.slug.as_str()),
                chrono::Utc::now().format("%Y%m%d-%H%M")
            );
            let body = Body::from_stream(Chunks::of(file));
            Ok((
                [
                    (header::CONTENT_TYPE, "application/zip".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                body,
            )
                .into_response())
        }
        Err(WebError::Invalid(errors)) => {
            form.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &export_page(&state, ctx, form).await?)
        }
        Err(other) => Err(other),
    }
}

async fn write(
    state: &AppState,
    actor: &hearth_core::Actor,
    passphrase: Option<&str>,
    community: Option<&hearth_core::entity::community::Model>,
) -> Result<std::fs::File, WebError> {
    use rand::Rng;
    use std::io::Seek;
    let internal = |e: std::io::Error| WebError::Internal(format!("export file: {e}"));
    let path = std::env::temp_dir().join(format!("hearth-export-{:016x}.zip", rand::rng().random::<u64>()));
    let file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path).map_err(internal)?;
    let mut reader = file.try_clone().map_err(internal)?;
    // Unlinked at once: the open handles keep the bytes until the download ends.
    let _ = std::fs::remove_file(&path);
    archive::export(&state.store, actor, std::io::BufWriter::new(file), passphrase, community).await?;
    reader.rewind().map_err(internal)?;
    Ok(reader)
}

/// A file as a body, read in 64 KiB pieces on a blocking thread, never all in memory.
struct Chunks(tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>);

impl Chunks {
    fn of(mut file: std::fs::File) -> Chunks {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            use std::io::Read;
            loop {
                let mut buf = vec![0u8; 64 * 1024];
                let piece = match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(buf)
                    }
                    Err(e) => Err(e),
                };
                let failed = piece.is_err();
                // The download was abandoned: stop reading.
                if tx.blocking_send(piece).is_err() || failed {
                    break;
                }
            }
        });
        Chunks(rx)
    }
}

impl futures_core::Stream for Chunks {
    type Item = std::io::Result<Vec<u8>>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
