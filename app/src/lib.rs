//! Shared crate of the panel: domain logic (pure), wire/view models with their validation,
//! the UI components, the `#[server]` functions, and (under `ssr`) the backend: storage,
//! services and authorization that every server-side entry point goes through.

// Leptos views are deeply nested types; the detail pages exceed the default limit of 128.
#![recursion_limit = "256"]

pub mod api;
pub mod domain;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;
