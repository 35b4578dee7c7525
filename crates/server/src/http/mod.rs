//! The HTTP shell: the JSON API (OpenAPI 3.1) and the server-rendered pages. Each handler
//! parses the request, authenticates and authorises ([`auth`], `app::access`), calls one use
//! case of [`crate::app`] (off the async workers: the store acknowledges after a durable
//! commit) and renders the answer — JSON, a maud page, a PDF, or an RFC 9457 problem.
//!
//! Not for: deciding anything (the application layer and the engine decide).

pub mod api;
pub mod auth;
pub mod html;
pub mod routes;
pub mod ui;
