//! Password policy (NIST 800-63B / ASVS L2: length 8–128, no composition rules, common
//! passwords refused) and argon2id hashing, run off the async runtime.

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngCore;

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

/// A job for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Each hash holds 19 MiB while it runs. They run on a fixed set of threads, one per core:
/// at most that many at once, and each thread's allocator keeps (and reuses) one buffer, so a
/// burst of logins costs ≈ cores × 19 MiB. (On the blocking pool every burst spread over new
/// threads, and each thread's malloc arena kept its own 19 MiB: 40 logins, +520 MiB.)
fn hashers() -> &'static (tokio::sync::Semaphore, std::sync::mpsc::Sender<Job>) {
    static HASHERS: std::sync::OnceLock<(tokio::sync::Semaphore, std::sync::mpsc::Sender<Job>)> =
        std::sync::OnceLock::new();
    HASHERS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..max_concurrent_hashes() {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        (tokio::sync::Semaphore::new(max_concurrent_hashes()), tx)
    })
}

/// How long an attempt waits for a hashing thread before it is told to come back (429).
const WAIT_FOR_SLOT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `f` on a hashing thread once one is free, or `RateLimited` if none frees up within
/// `WAIT_FOR_SLOT`.
async fn on_hasher<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CoreResult<T> {
    let (slots, jobs) = hashers();
    let _slot = match tokio::time::timeout(WAIT_FOR_SLOT, slots.acquire()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) => return Err(CoreError::Internal("hashing slots closed".into())),
        Err(_) => return Err(CoreError::RateLimited { retry_after_secs: 5 }),
    };
    let (done, result) = tokio::sync::oneshot::channel();
    jobs.send(Box::new(move || {
        let _ = done.send(f());
    }))
    .map_err(|_| CoreError::Internal("password hashing threads stopped".into()))?;
    result.await.map_err(|_| CoreError::Internal("password hashing thread stopped".into()))
}

thread_local! {
    /// A hashing thread's argon2 memory, allocated once and reused. Allocating 19 MiB per
    /// hash instead leaves the allocator fragmented: measured, each further hash on the same
    /// thread grew the process by another 19 MiB.
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The output of argon2 for `params` (algorithm, version) over `password` and `salt`,
/// computed in this thread's reused memory.
fn compute(a: &Argon2<'_>, blocks: usize, password: &[u8], salt: &[u8], out: &mut [u8]) -> CoreResult<()> {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, Block::new());
        }
        a.hash_password_into_with_memory(password, salt, out, &mut m[..blocks])
            .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
    })
}

/// argon2id, m = 19 MiB, t = 2, p = 1 (the crate's defaults, OWASP's minimum), as a PHC
/// string.
#[tracing::instrument(skip_all)]
pub async fn hash(password: String) -> CoreResult<String> {
    on_hasher(move || {
        let err = |e: argon2::password_hash::Error| CoreError::Internal(format!("password hashing failed: {e}"));
        let params = Params::default();
        let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut salt = [0u8; argon2::RECOMMENDED_SALT_LEN];
        rand::rng().fill_bytes(&mut salt);
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        compute(&a, params.block_count(), password.as_bytes(), &salt, &mut out)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(err)?,
            salt: Some(Salt::new(&salt).map_err(|e| err(e.into()))?),
            hash: Some(Output::new(&out).map_err(|e| err(e.into()))?),
        };
        Ok(phc.to_string())
    })
    .await?
}

/// Whether `password` matches the PHC string `stored` (any argon2 variant and parameters it
/// names).
fn matches(password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm.as_str()), Params::try_from(&parsed))
    else {
        return false;
    };
    let Ok(version) = Version::try_from(parsed.version.unwrap_or(0x13)) else { return false };
    let a = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    compute(&a, params.block_count(), password, salt.as_ref(), &mut out).is_ok()
        && super::constant_time_eq_bytes(&out, expected.as_bytes())
}

/// Verifies against `stored`, or against a fixed dummy hash when there is no user, so that
/// an unknown username costs the same time as a wrong password. `RateLimited` when no
/// hashing thread frees up in time.
#[tracing::instrument(skip_all)]
pub async fn verify(password: String, stored: Option<String>) -> CoreResult<bool> {
    on_hasher(move || match stored {
        Some(s) => matches(password.as_bytes(), &s),
        None => {
            matches(password.as_bytes(), DUMMY_HASH);
            false
        }
    })
    .await
}

/// The bound on simultaneous hashes.
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 16)
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
        assert!(matches!(verify("correct horse battery".into(), Some(h.clone())).await, Ok(true)));
        assert!(matches!(verify("wrong horse battery".into(), Some(h)).await, Ok(false)));
        assert!(matches!(verify("anything".into(), None).await, Ok(false)));
        // Hashes stored by earlier releases (argon2's own PHC hasher) still verify.
        use argon2::PasswordHasher;
        let old = Argon2::default().hash_password(b"an older passphrase").map(|h| h.to_string()).unwrap_or_default();
        assert!(matches!(verify("an older passphrase".into(), Some(old.clone())).await, Ok(true)));
        assert!(matches!(verify("an older passphrasE".into(), Some(old)).await, Ok(false)));
    }
}
