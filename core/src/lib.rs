//! The pure core of the platform: the access decision engine and its rulesets (`domain`), and
//! the wire/view models with their validation (`model`) — every type the panel, the admin REST
//! API and the POS API exchange. No I/O, no storage, no UI framework: it compiles to wasm for
//! the panel and is unit-tested on its own.

pub mod domain;
pub mod model;
