//! (registry_pages tests)

#[allow(unused_imports)]
use crate::support::*;
