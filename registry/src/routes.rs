//! Every route of the registry, in one place. `/metrics` is at the root; the
//! API is under `/api/v1` (an unknown API path is a JSON 404). The market UI
//! and the dev console (HTML, `pages`) are at the root; any other path is the
//! HTML 404 page.

use crate::api::{
    agents, categories, events, fallback, meta, resolve, templates, tokens, versions,
};
use crate::pages::{self, console, market};
use actix_web::web;
use souk_schema::wire::PREFIX;

/// Register every route, the extractors' JSON error handlers and the JSON 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(fallback::json_config())
        .app_data(fallback::query_config())
        .app_data(fallback::path_config())
        .service(web::resource("/metrics").route(web::get().to(meta::metrics)))
        .service(
            web::scope(PREFIX)
                .service(web::resource("/health").route(web::get().to(meta::health)))
                .service(web::resource("/health/live").route(web::get().to(meta::live)))
                .service(web::resource("/health/ready").route(web::get().to(meta::ready)))
                .service(web::resource("/categories").route(web::get().to(categories::list)))
                .service(
                    web::resource("/templates")
                        .route(web::get().to(templates::search))
                        .route(web::post().to(templates::publish)),
                )
                .service(
                    web::resource("/templates/suggest").route(web::get().to(templates::suggest)),
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
                .service(
                    web::resource("/templates/{ns}/{name}/fleet")
                        .route(web::get().to(agents::show)),
                )
                .service(web::resource("/events").route(web::get().to(events::list)))
                .service(web::resource("/search/status").route(web::get().to(meta::search_status)))
                .service(
                    web::resource("/agents/{agent_id}/report")
                        .route(web::post().to(agents::report)),
                )
                .service(web::resource("/tokens").route(web::post().to(tokens::create)))
                .service(
                    web::resource("/schema/template-v1.json")
                        .route(web::get().to(meta::template_schema)),
                )
                .service(web::resource("/openapi.json").route(web::get().to(meta::openapi))),
        )
        .service(web::resource("/").route(web::get().to(market::home)))
        .service(web::resource("/templates").route(web::get().to(market::browse)))
        .service(web::resource("/t/{ns}/{name}").route(web::get().to(market::template)))
        .service(web::resource("/t/{ns}/{name}/{version}").route(web::get().to(market::version)))
        .service(web::resource("/console").route(web::get().to(console::index)))
        .service(web::resource("/console/login").route(web::post().to(console::login)))
        .service(web::resource("/console/logout").route(web::post().to(console::logout)))
        .service(web::resource("/console/upload").route(web::post().to(console::upload)))
        .service(web::resource("/console/yank").route(web::post().to(console::yank)))
        .service(web::resource("/console/tokens").route(web::post().to(console::mint)))
        .service(web::resource("/static/{path:.*}").route(web::get().to(pages::asset)))
        .service(web::resource("/lang/{code}").route(web::get().to(pages::switch_lang)))
        .default_service(web::to(pages::not_found));
}
