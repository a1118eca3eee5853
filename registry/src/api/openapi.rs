//! The OpenAPI document, served at `GET /api/v1/openapi.json`. Every route of
//! [`crate::routes`] is listed here; a test checks that they agree.

use super::{agents, categories, events, meta, resolve, templates, tokens, versions};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "souk registry",
        description = "Publish, search, resolve and follow application templates. Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`."
    ),
    paths(
        meta::health,
        categories::list,
        templates::search,
        templates::suggest,
        templates::publish,
        templates::show,
        versions::show,
        versions::package,
        versions::icon,
        versions::yank,
        resolve::resolve,
        events::list,
        agents::report,
        agents::show,
        tokens::create,
        meta::search_status,
        meta::template_schema,
        meta::openapi,
        meta::metrics,
    ),
    modifiers(&BearerToken),
    tags(
        (name = "market", description = "Browse, search, read and download templates"),
        (name = "publishing", description = "Publish and yank versions"),
        (name = "agents", description = "The event feed, agents' reports, the fleet"),
        (name = "admin", description = "Tokens"),
        (name = "meta", description = "Health, schemas, metrics"),
    )
)]
pub struct ApiDoc;

/// Declares the `token` security scheme: `Authorization: Bearer <token>`.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
