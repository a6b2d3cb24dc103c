//! The panel: UI components and the `#[server]` functions they call. The types they show come
//! from `access_core`; under `ssr` the server functions call the `backend` crate's services
//! (the same ones the admin REST API and the POS API call).

// Leptos views are deeply nested types; the detail pages exceed the default limit of 128.
#![recursion_limit = "256"]

pub mod api;
pub mod ui;
