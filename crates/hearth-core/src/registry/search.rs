//! Name search keys. A resident's name is stored once and indexed under every form a
//! community worker might type it: as written (张伟, Maria Garcia), in full pinyin
//! (zhangwei), by pinyin initials (zw), and by given name (wei, 伟). A search is then a
//! prefix range scan on an index — never a `LIKE '%…'` over the whole table.

use pinyin::ToPinyin;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};

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
        let given: String = whole.chars().skip(1).collect();
        push(pinyin_forms(&given).0);
        push(given);
    }
    out
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
