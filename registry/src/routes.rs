//! Every route of the registry, in one place. `/metrics` is at the root; the
//! API is under `/api/v1`. Anything else is a JSON 404.

use crate::api::{
    categories, events, fallback, meta, resolve, templates, tokens, versions, views::PREFIX,
};
use actix_web::web;

/// Register every route, the extractors' JSON error handlers and the JSON 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(fallback::json_config())
        .app_data(fallback::query_config())
        .app_data(fallback::path_config())
        .service(web::resource("/metrics").route(web::get().to(meta::metrics)))
        .service(
            web::scope(PREFIX)
                .service(web::resource("/health").route(web::get().to(meta::health)))
                .service(web::resource("/categories").route(web::get().to(categories::list)))
                .service(
                    web::resource("/templates")
                        .route(web::get().to(templates::search))
                        .route(web::post().to(templates::publish)),
                )
                .service(
                    web::resource("/templates/{ns}/{name}").route(web::get().to(templates::show)),
                )
                .service(
                    web::resource("/templates/{ns}/{name}/resolve")
                        .route(web::get().to(resolve::resolve)),
                )
                .service(
                    web::resource("/templates/{ns}/{name}/versions/{version}")
                        .route(web::get().to(versions::show)),
                )
                .service(
                    web::resource("/templates/{ns}/{name}/versions/{version}/package")
                        .route(web::get().to(versions::package)),
                )
                .service(
                    web::resource("/templates/{ns}/{name}/versions/{version}/icon")
                        .route(web::get().to(versions::icon)),
                )
                .service(
                    web::resource("/templates/{ns}/{name}/versions/{version}/yank")
                        .route(web::put().to(versions::yank)),
                )
                .service(web::resource("/events").route(web::get().to(events::list)))
                .service(web::resource("/tokens").route(web::post().to(tokens::create)))
                .service(
                    web::resource("/schema/template-v1.json")
                        .route(web::get().to(meta::template_schema)),
                )
                .service(web::resource("/openapi.json").route(web::get().to(meta::openapi))),
        )
        .default_service(web::to(fallback::not_found));
}
