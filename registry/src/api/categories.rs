//! `GET /categories`.

use super::views::category;
use crate::domain::catalog;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;
use actix_web::web::{Data, Json};
use souk_schema::wire::Category;

/// Every market category, with how many templates it holds.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    operation_id = "list_categories",
    tag = "market",
    responses(
        (status = 200, description = "Categories in display order", body = Vec<Category>),
        (status = 500, body = ErrorBody),
    )
)]
pub async fn list(state: Data<AppState>) -> Result<Json<Vec<Category>>> {
    let categories = catalog::categories(&state).await?;
    Ok(Json(categories.into_iter().map(category).collect()))
}
