//! Name search keys. A resident's name is stored once and indexed under every form a
//! community worker might type it: as written (张伟, Maria Garcia), in full pinyin
//! (zhangwei), by pinyin initials (zw), and by given name (wei, 伟). A search is then a
//! prefix range scan on an index — never a `LIKE '%…'` over the whole table.

use pinyin::ToPinyin;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryFilter};

use crate::entity::household;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// Separators people put inside names: spaces, the middle dot of transliterated Uyghur and
/// Kazakh names (阿巴拜克日·买买提), hyphens.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '·' | '•' | '・' | '-' | '.' | '\'')
}

/// What a typed query is compared as: lower case, separators removed.
pub fn normalize(q: &str) -> String {
    q.chars().filter(|c| !is_separator(*c)).flat_map(char::to_lowercase).collect()
}

/// The longest search term kept. Names may be longer (200 characters), so a query is cut to
/// the same length: otherwise typing a long name in full would find nothing, its terms being
/// prefixes of the query rather than the other way round.
pub const MAX_TERM_CHARS: usize = 100;

/// A typed query as the prefix it is looked up by: normalised and cut like the terms.
pub fn query(q: &str) -> String {
    normalize(q).chars().take(MAX_TERM_CHARS).collect()
}

fn pinyin_forms(s: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (ch, py) in s.chars().zip(s.to_pinyin()) {
        match py {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None => {
                for l in ch.to_lowercase() {
                    full.push(l);
                    initials.push(l);
                }
            }
        }
    }
    (full, initials)
}

fn has_han(s: &str) -> bool {
    s.to_pinyin().any(|p| p.is_some())
}

/// Every search term for a name (deduplicated, each at most `MAX_TERM_CHARS` characters).
pub fn terms(full_name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |t: String| {
        let t: String = t.chars().take(MAX_TERM_CHARS).collect();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    };
    let whole = normalize(full_name);
    push(whole.clone());
    if has_han(&whole) {
        let (full, initials) = pinyin_forms(&whole);
        push(full);
        push(initials);
    }
    let parts: Vec<&str> = full_name.split(is_separator).filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 {
        for p in &parts {
            let p = normalize(p);
            if has_han(&p) {
                push(pinyin_forms(&p).0);
            }
            push(p);
        }
    } else if has_han(&whole) && whole.chars().count() >= 2 {
        // A Han name without separators: family name is the first character (the common
        // case); index the given name so "wei" and "伟" find 张伟.
        let family: String = whole.chars().take(1).collect();
        let given: String = whole.chars().skip(1).collect();
        let (family_full, family_initial) = pinyin_forms(&family);
        let (given_full, given_initials) = pinyin_forms(&given);
        // The mixed forms people type: the family name in full and the given name by its
        // initials (xuelh for 薛丽华), and the other way round (xlihua).
        push(format!("{family_full}{given_initials}"));
        push(format!("{family_initial}{given_full}"));
        push(given_full);
        push(given);
    }
    out
}

/// The version of the rules above and of `household_terms`: raise it when they change, and
/// `reindex_if_stale` rebuilds every stored term at the next start.
pub const TERMS_VERSION: i32 = 2;

/// Every search term of a household: its code whole and by its parts (the flat number of
/// `3-2-401`), its building and unit, and its phone's digits.
pub fn household_terms(code: &str, building: Option<&str>, unit: Option<&str>, phone: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |t: String| {
        let t: String = t.chars().take(MAX_TERM_CHARS).collect();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    };
    push(normalize(code));
    for part in code.split(|c: char| !c.is_alphanumeric()) {
        push(normalize(part));
    }
    for v in [building, unit].into_iter().flatten() {
        push(normalize(v));
    }
    if let Some(d) = phone.map(digits).filter(|d| d.len() >= 3) {
        push(d);
    }
    out
}

/// The digits of a phone number as typed, any spacing or punctuation dropped.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A query that looks like a phone number (digits and the usual separators, at least three
/// digits): its digits, to look up as a phone.
pub fn phone_query(q: &str) -> Option<String> {
    let d = digits(q);
    (d.len() >= 3 && q.trim().chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))).then_some(d)
}

/// `SELECT household_id` of every household with a term starting with one of `prefixes`
/// (within `communities` when given): one index range scan each.
pub fn matching_households(prefixes: &[String], communities: Option<&[i64]>) -> SelectStatement {
    let mut sub = Query::select();
    sub.column("household_id").from("household_search_terms");
    if let Some(ids) = communities {
        sub.and_where(Expr::col("community_id").is_in(ids.to_vec()));
    }
    let mut any = sea_orm::Condition::any();
    for p in prefixes.iter().filter(|p| !p.is_empty()) {
        any = any.add(
            sea_orm::Condition::all().add(Expr::col("term").gte(p.clone())).add(Expr::col("term").lt(prefix_upper(p))),
        );
    }
    sub.cond_where(any);
    sub
}

/// Replaces the stored terms of these residents: (id, community id, name).
pub async fn index_residents<C: ConnectionTrait>(conn: &C, rows: &[(i64, i64, String)]) -> CoreResult<()> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    for chunk in ids.chunks(500) {
        conn.execute(
            &Query::delete()
                .from_table("resident_search_terms")
                .and_where(Expr::col("resident_id").is_in(chunk.to_vec()))
                .to_owned(),
        )
        .await?;
    }
    let terms: Vec<(i64, i64, String)> =
        rows.iter().flat_map(|(id, c, name)| terms(name).into_iter().map(move |t| (*id, *c, t))).collect();
    insert_terms(conn, "resident_search_terms", "resident_id", &terms).await
}

/// The terms of residents just created (an import's batch): nothing to replace, so no
/// delete goes first.
pub async fn index_new_residents<C: ConnectionTrait>(conn: &C, rows: &[(i64, i64, String)]) -> CoreResult<()> {
    let terms: Vec<(i64, i64, String)> =
        rows.iter().flat_map(|(id, c, name)| terms(name).into_iter().map(move |t| (*id, *c, t))).collect();
    insert_terms(conn, "resident_search_terms", "resident_id", &terms).await
}

/// Replaces the stored terms of these households.
pub async fn index_households<C: ConnectionTrait>(conn: &C, rows: &[household::Model]) -> CoreResult<()> {
    let ids: Vec<i64> = rows.iter().map(|h| h.id).collect();
    for chunk in ids.chunks(500) {
        conn.execute(
            &Query::delete()
                .from_table("household_search_terms")
                .and_where(Expr::col("household_id").is_in(chunk.to_vec()))
                .to_owned(),
        )
        .await?;
    }
    let terms: Vec<(i64, i64, String)> = rows
        .iter()
        .flat_map(|h| {
            household_terms(&h.code, h.building.as_deref(), h.unit.as_deref(), h.phone.as_deref())
                .into_iter()
                .map(move |t| (h.id, h.community_id, t))
        })
        .collect();
    insert_terms(conn, "household_search_terms", "household_id", &terms).await
}

async fn insert_terms<C: ConnectionTrait>(
    conn: &C,
    table: &'static str,
    id_col: &'static str,
    terms: &[(i64, i64, String)],
) -> CoreResult<()> {
    for chunk in terms.chunks(300) {
        let mut insert = Query::insert();
        insert.into_table(table).columns([id_col, "community_id", "term"]);
        for (id, c, t) in chunk {
            insert
                .values([(*id).into(), (*c).into(), t.clone().into()])
                .map_err(|e| CoreError::Internal(format!("search terms: {e}")))?;
        }
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// Rebuilds every stored search term when they were built with older rules than
/// `TERMS_VERSION` (a release that learns new ways to type a name or find a household):
/// in chunks, each in its own transaction, then records the version. Idempotent.
pub async fn reindex_if_stale(store: &Store) -> CoreResult<()> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    let row = store
        .conn()
        .query_one(
            &Query::select()
                .column("version")
                .from("derived_versions")
                .and_where(Expr::col("name").eq("search_terms"))
                .to_owned(),
        )
        .await?;
    let built: i32 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    if built >= TERMS_VERSION {
        return Ok(());
    }
    let mut after = 0i64;
    loop {
        let chunk: Vec<(i64, i64, String)> = crate::entity::resident::Entity::find()
            .select_only()
            .column(crate::entity::resident::Column::Id)
            .column(crate::entity::resident::Column::CommunityId)
            .column(crate::entity::resident::Column::FullName)
            .filter(sea_orm::ColumnTrait::gt(&crate::entity::resident::Column::Id, after))
            .order_by_asc(crate::entity::resident::Column::Id)
            .limit(1000)
            .into_tuple()
            .all(store.conn())
            .await?;
        let Some(last) = chunk.last().map(|r| r.0) else { break };
        let tx = store.write().await?;
        index_residents(&tx, &chunk).await?;
        tx.commit().await?;
        after = last;
    }
    let mut after = 0i64;
    loop {
        let chunk = household::Entity::find()
            .filter(sea_orm::ColumnTrait::gt(&household::Column::Id, after))
            .order_by_asc(household::Column::Id)
            .limit(1000)
            .all(store.conn())
            .await?;
        let Some(last) = chunk.last().map(|h| h.id) else { break };
        let tx = store.write().await?;
        index_households(&tx, &chunk).await?;
        tx.commit().await?;
        after = last;
    }
    let tx = store.write().await?;
    tx.execute(
        &Query::delete().from_table("derived_versions").and_where(Expr::col("name").eq("search_terms")).to_owned(),
    )
    .await?;
    tx.execute(
        &Query::insert()
            .into_table("derived_versions")
            .columns(["name", "version"])
            .values_panic(["search_terms".into(), TERMS_VERSION.into()])
            .to_owned(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `SELECT resident_id` of every name matching the normalised query `q` by prefix, within
/// `communities` when given. Filtering on `community_id` lets the index
/// `(community_id, term, resident_id)` answer with one range scan per community; without it
/// (an admin searching everywhere) the `(term, resident_id)` index does.
pub fn matching_residents(q: &str, communities: Option<&[i64]>) -> SelectStatement {
    let mut sub = Query::select();
    sub.column("resident_id").from("resident_search_terms");
    if let Some(ids) = communities {
        sub.and_where(Expr::col("community_id").is_in(ids.to_vec()));
    }
    sub.and_where(Expr::col("term").gte(q.to_owned())).and_where(Expr::col("term").lt(prefix_upper(q)));
    sub
}

/// The exclusive upper bound of the prefix range for `q`.
pub fn prefix_upper(q: &str) -> String {
    format!("{q}\u{10FFFF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the search-terms fuzz target: a 150-character name typed in full found nothing.
    #[test]
    fn a_long_name_typed_in_full_is_found() {
        for name in ["Maria-José ".repeat(15), "阿巴拜克日·买买提".repeat(20)] {
            let q = query(&name);
            assert!(terms(&name).iter().any(|t| t.starts_with(&q)), "{name}");
        }
    }

    #[test]
    fn han_names() {
        let t = terms("张伟");
        assert!(t.contains(&"张伟".to_string()));
        assert!(t.contains(&"zhangwei".to_string()));
        assert!(t.contains(&"zw".to_string()));
        assert!(t.contains(&"wei".to_string()));
    }

    #[test]
    fn transliterated_and_latin_names() {
        let t = terms("阿巴拜克日·买买提");
        assert!(t.iter().any(|x| x.starts_with("ababaikeri")));
        assert!(t.contains(&"maimaiti".to_string()));
        let t = terms("Maria  Garcia");
        assert!(t.contains(&"mariagarcia".to_string()));
        assert!(t.contains(&"garcia".to_string()));
        assert_eq!(normalize(" Zhang Wei "), "zhangwei");
    }
}
