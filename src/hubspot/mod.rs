//! The HubSpot API client: typed requests, responses, errors and the rate budget.
//! Layer: core (pure). One job per file: `version` (paths), `error`, `model`, one file per
//! resource (pure builders + parsers), `budget` (pacing), `session` (send with auth and
//! retries), `queue` (the batched queue loader). Facts cited as §N are from API-FACTS.md.

pub mod account;
pub mod associations;
pub mod budget;
pub mod calls;
pub mod contacts;
pub mod error;
pub mod lists;
pub mod model;
pub mod outcomes;
pub mod owners;
pub mod properties;
pub mod queue;
pub mod session;
pub mod tasks;
pub mod timestamp;
pub mod version;

pub use budget::{Admission, Class, RateBudget};
pub use calls::{CallLog, CallStatus};
pub use error::{ApiError, ErrorInfo};
pub use model::{AccountDetails, CallOutcome, Contact, ListSummary, Owner, Page, Priority, PropertyDef, Task};
pub use outcomes::{outcomes_or_defaults, Outcomes};
pub use properties::{dialing_properties, PropertyName};
pub use queue::{
    load_list_queue, load_task_queue, naive_request_count, planned_request_count, Queue, QueueContact, QueueItem,
};
pub use session::{Client, RequestCounts};
pub use version::{API_BASE, API_VERSION};

#[cfg(test)]
mod tests;
