//! One module per Globus service: the generated client and its hand-written layer.

#[cfg(feature = "auth")]
pub mod auth;

#[cfg(feature = "transfer")]
pub mod transfer;
