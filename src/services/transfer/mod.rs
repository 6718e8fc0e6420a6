//! Globus Transfer: the generated client for every Transfer operation, and the hand-written
//! layer for submitting work ([`TransferData`], [`DeleteData`], [`Client::submit_transfer`]
//! and [`Client::submit_delete`], safe to resend), waiting and progress
//! ([`Client::task_wait`], [`Client::task_progress`], [`types::Task::is_finished`]...) and
//! paging ([`Client::paginated`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use globus_sdk::authorizers::AccessTokenAuthorizer;
//! use globus_sdk::transfer::{SyncLevel, TransferData};
//!
//! # async fn demo() -> Result<(), globus_sdk::Error> {
//! let transfer = globus_sdk::transfer::Client::with_authorizer(AccessTokenAuthorizer::new("TOKEN"))?;
//! let listing = transfer.operation_ls().endpoint_id("SRC-ID").path("/data/").send().await?;
//! for entry in &listing.data {
//!     println!("{} {}", entry.type_, entry.name);
//! }
//! let mut data = TransferData::new("SRC-ID", "DST-ID").sync_level(SyncLevel::Checksum).verify_checksum(true);
//! data.add_item("/data/", "/backup/data/", true);
//! let submitted = transfer.submit_transfer(&data).await?;
//! let task = transfer.task_wait(&submitted.task_id).timeout(Duration::from_secs(600)).await?;
//! println!("{} (succeeded: {})", task.status, task.is_succeeded());
//! # Ok(()) }
//! ```

mod generated {
    #![allow(missing_docs, clippy::all, unused_imports, dead_code)]
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/generated/transfer.rs"));
}

pub mod operations {
    //! Metadata of every Transfer operation (from the spec).
    #[allow(unused_imports)]
    use super::types;
    include!(concat!(env!("OUT_DIR"), "/transfer_operations.rs"));
}

mod documents;
mod paging;
mod tasks;

pub use documents::{DeleteData, FilterRule, SyncLevel, TransferData};
pub use generated::{Client, builder, types};
pub use paging::{PAGINATED_OPERATIONS, Paginated};
pub use tasks::TaskWait;

/// Transfer's `EndpointError` and `ExternalError` on a 500, 502 or 504 are faults of the
/// endpoint or of a third party: sending again will not help, so they are not retried.
pub fn retry_veto(status: u16, body: &[u8]) -> bool {
    if !matches!(status, 500 | 502 | 504) {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Code {
        code: Option<String>,
    }
    serde_json::from_slice::<Code>(body)
        .ok()
        .and_then(|c| c.code)
        .is_some_and(|code| code.contains("EndpointError") || code.contains("ExternalError"))
}

crate::transport::service_client!(Client, "transfer", operations::OPERATIONS, Some(retry_veto));
