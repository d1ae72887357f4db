//! What hearth's validators refuse in a request body, written into the OpenAPI document so a
//! client (and schemathesis) knows it up front: text without control or bidirectional
//! characters, required text that is not blank, dates as `YYYY-MM-DD` between 1900 and 2100,
//! phone numbers, slugs, positive ids.
//!
//! It is one pass over every request body's schema rather than an attribute on each field,
//! so a field a practice adds gets the rule of its kind with nothing to forget. The kinds
//! follow `hearth_core::validate`: every body string goes through `validate::text` (or one
//! built on it), a `format: date` string through `validate::date`, a field named `phone`
//! through `validate::phone` and one named `slug` through `validate::slug`. An optional
//! field left blank counts as not given, so its rule allows blank.

use std::collections::BTreeSet;

use hearth_core::registry::residents;
use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

/// Characters `validate::text` refuses: C0 and C1 controls but tab, line feed and carriage
/// return, and the bidirectional embeddings, overrides and isolates.
const REFUSED: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069";
const DATE: &str = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
const BLANK: &str = r"^\s*$";
/// At least three digits among the usual separators (`validate::phone`).
const PHONE: &str = r"^[ +()./-]*([0-9][ +()./-]*){3,}$";
const SLUG: &str = r"^[a-z0-9-]{2,40}$";

fn text() -> String {
    format!("^[^{REFUSED}]*$")
}

fn non_blank_text() -> String {
    format!(r"^[^{REFUSED}]*[^\s{REFUSED}][^{REFUSED}]*$")
}

/// The document with the validators' rules stated on every request body.
pub fn state(doc: OpenApi) -> OpenApi {
    let Ok(mut v) = serde_json::to_value(&doc) else { return doc };
    let bodies = body_schemas(&v);
    if let Some(schemas) = v.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for name in &bodies {
            if let Some(schema) = schemas.get_mut(name) {
                object(schema);
            }
        }
    }
    serde_json::from_value(v).unwrap_or(doc)
}

/// The component schemas a request body uses, and those they use in turn.
fn body_schemas(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut todo = Vec::new();
    for op in doc["paths"].as_object().into_iter().flat_map(|p| p.values()).filter_map(Value::as_object) {
        for body in op.values().filter_map(|o| o.pointer("/requestBody/content")) {
            refs(body, &mut todo);
        }
    }
    while let Some(name) = todo.pop() {
        if found.insert(name.clone())
            && let Some(schema) = doc.pointer(&format!("/components/schemas/{name}"))
        {
            refs(schema, &mut todo);
        }
    }
    found
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = m.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()) {
                out.push(name.to_owned());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

fn object(schema: &mut Value) {
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else { return };
    for (name, p) in props.iter_mut() {
        property(name, p, required.contains(name));
    }
}

fn types(p: &Map<String, Value>) -> Vec<&str> {
    match p.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn property(name: &str, p: &mut Value, required: bool) {
    let Some(m) = p.as_object_mut() else { return };
    // Enums and references state their own values.
    if ["$ref", "enum", "oneOf", "anyOf", "allOf"].iter().any(|k| m.contains_key(*k)) {
        return;
    }
    let ts = types(m);
    let nullable = ts.contains(&"null");
    if ts.contains(&"integer") && (name == "id" || name.ends_with("_id")) {
        m.entry("minimum").or_insert(json!(1));
    } else if ts.contains(&"array") && name.ends_with("_ids") {
        if let Some(items) = m.get_mut("items").and_then(Value::as_object_mut) {
            items.entry("minimum").or_insert(json!(1));
        }
    } else if let Some(list) = choices(name) {
        let mut any = vec![json!({"type": "string", "enum": list}), json!({"type": "string", "pattern": BLANK})];
        if nullable {
            any.push(json!({"type": "null"}));
        }
        m.remove("type");
        m.insert("anyOf".into(), Value::Array(any));
    } else if ts.contains(&"string") && !m.contains_key("pattern") {
        let must = required || m.get("minLength").and_then(Value::as_u64).is_some_and(|n| n > 0);
        if m.get("format").and_then(Value::as_str) == Some("date") {
            date(m, must, nullable);
        } else if name == "phone" {
            m.insert("pattern".into(), json!(if must { PHONE.to_owned() } else { either(PHONE) }));
            m.entry("maxLength").or_insert(json!(40));
        } else if name == "slug" {
            m.insert("pattern".into(), json!(SLUG));
        } else if must {
            m.insert("pattern".into(), json!(non_blank_text()));
            m.entry("minLength").or_insert(json!(1));
        } else {
            m.insert("pattern".into(), json!(text()));
        }
    }
}

/// The fields `validate::choice` checks against a list, by name; blank clears them.
fn choices(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "sex" => Some(&residents::SEXES),
        "relationship" => Some(&residents::RELATIONSHIPS),
        "education_level" => Some(&residents::EDUCATION_LEVELS),
        "work_status" => Some(&residents::WORK_STATUSES),
        _ => None,
    }
}

/// `pattern`, or blank.
fn either(pattern: &str) -> String {
    let inner = pattern.trim_start_matches('^').trim_end_matches('$');
    format!(r"^(\s*|{inner})$")
}

/// A date: `YYYY-MM-DD` in range; when optional, also blank (not given) or null.
fn date(m: &mut Map<String, Value>, must: bool, nullable: bool) {
    if must {
        m.insert("pattern".into(), json!(DATE));
        return;
    }
    let mut any =
        vec![json!({"type": "string", "format": "date", "pattern": DATE}), json!({"type": "string", "pattern": BLANK})];
    if nullable {
        any.push(json!({"type": "null"}));
    }
    for k in ["type", "format", "pattern"] {
        m.remove(k);
    }
    m.insert("anyOf".into(), Value::Array(any));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(schema: &str, field: &str) -> Value {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap_or_default();
        doc.pointer(&format!("/components/schemas/{schema}/properties/{field}")).cloned().unwrap_or_default()
    }

    #[test]
    fn body_fields_carry_their_validators_rules() {
        assert_eq!(rules_of("HouseholdInput", "code")["pattern"], json!(non_blank_text()));
        assert_eq!(rules_of("HouseholdInput", "notes")["pattern"], json!(text()));
        assert_eq!(rules_of("HouseholdInput", "phone")["pattern"], json!(either(PHONE)));
        assert_eq!(rules_of("CommunityInput", "slug")["pattern"], json!(SLUG));
        assert_eq!(rules_of("VisitInput", "visited_on")["pattern"], json!(DATE));
        assert_eq!(rules_of("VisitInput", "household_id")["minimum"], json!(1));
        // Reached through VisitInput's `needs`.
        assert_eq!(rules_of("NeedInput", "due_on")["pattern"], json!(DATE));
        let moved = rules_of("HouseholdChanges", "moved_out_on");
        assert_eq!(moved["anyOf"].as_array().map(Vec::len), Some(3), "{moved}");
        assert_eq!(rules_of("ResidentInput", "sex")["anyOf"][0]["enum"], json!(residents::SEXES));
    }
}
