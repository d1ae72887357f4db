//! Password policy (NIST 800-63B / ASVS L2: length 8–128, no composition rules, common
//! passwords refused) and argon2id hashing, run off the async runtime.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::{CoreError, CoreResult, FieldErrors};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

const COMMON: &str = include_str!("common_passwords.txt");

/// Checks the policy; `field` names the form field in the error.
pub fn check_policy(field: &str, password: &str, username: &str) -> CoreResult<()> {
    let mut errors = FieldErrors::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        errors.add_arg(field, "password_too_short", MIN_LEN as i64);
    } else if len > MAX_LEN {
        errors.add_arg(field, "password_too_long", MAX_LEN as i64);
    } else {
        let lower = password.to_lowercase();
        if lower == username.to_lowercase() || COMMON.lines().any(|c| c == lower) {
            errors.add(field, "password_common");
        }
    }
    errors.into_result()
}

/// argon2id, m = 19 MiB, t = 2, p = 1 (the crate's defaults, OWASP's minimum).
#[tracing::instrument(skip_all)]
pub async fn hash(password: String) -> CoreResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// Verifies against `stored`, or against a fixed dummy hash when there is no user, so that
/// an unknown username costs the same time as a wrong password.
#[tracing::instrument(skip_all)]
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match stored {
            Some(s) => (s, true),
            None => (DUMMY_HASH.to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
    })
    .await
    .unwrap_or(false)
}

/// argon2id hash of a random string nobody knows, with the default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4FL1R7xQ/1GmAn2nHgB3jKr8oG7oPqgUVmWqWr3y3sI";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("password", "short", "x").is_err());
        assert!(check_policy("password", "password123", "x").is_err());
        assert!(check_policy("password", "maria.garcia", "Maria.Garcia").is_err());
        assert!(check_policy("password", &"a".repeat(129), "x").is_err());
        assert!(check_policy("password", "correct horse battery", "x").is_ok());
        assert!(check_policy("password", "长城长城长城长城", "x").is_ok());
    }

    #[tokio::test]
    async fn hash_and_verify() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "dummy hash must parse or timing leaks");
        let h = hash("correct horse battery".into()).await.unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(h)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
