//! Types shared by the browser and the server: what crosses the wire, and its validation.

pub mod authz;
pub mod error;
pub mod user;

pub use authz::{Capability, Role, Scope};
pub use error::{AppError, FieldError};
pub use user::*;

use serde::{Deserialize, Serialize};

/// One page of a server-side paginated list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        if self.page_size == 0 {
            return 1;
        }
        self.total.div_ceil(self.page_size).max(1)
    }
}

/// Clamp client-supplied paging to sane bounds (pages start at 1).
pub fn paging(page: Option<u64>, page_size: Option<u64>) -> (u64, u64) {
    let page = page.unwrap_or(1).max(1);
    let size = page_size.unwrap_or(25).clamp(1, 200);
    (page, size)
}
pub mod location;
pub use location::*;
pub mod card;
pub mod dashboard;
pub mod operation;
pub use card::*;
pub use dashboard::*;
pub use operation::*;
pub mod terms;
pub use terms::*;
pub mod rules;
pub use rules::*;
pub mod data;
pub use data::*;
pub mod rules_form;
pub mod try_card;
pub use try_card::*;
pub mod fleet;
pub use fleet::*;
pub mod tenant;
pub use tenant::*;
pub mod audit;
pub use audit::*;
pub mod pos_messages;
pub use pos_messages::*;
