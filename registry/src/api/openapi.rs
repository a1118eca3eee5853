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
        meta::live,
        meta::ready,
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

// The bytes of a file in a body (a package, an icon): `type: string, format:
// binary` in the document, where `Vec<u8>` would be an array of integers. Only
// the document uses it; handlers take and give bytes. (A `//` comment: a doc
// comment would become the schema's description.)
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

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
