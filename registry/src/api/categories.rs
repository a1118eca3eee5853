//! `GET /categories`.

use super::views::CategoryView;
use crate::domain::catalog;
use crate::error::{ErrorBody, Result};
use crate::startup::AppState;
use actix_web::web::{Data, Json};

/// Every market category, with how many templates it holds.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "market",
    responses(
        (status = 200, description = "Categories in display order", body = Vec<CategoryView>),
        (status = 500, body = ErrorBody),
    )
)]
pub async fn list(state: Data<AppState>) -> Result<Json<Vec<CategoryView>>> {
    Ok(Json(catalog::categories(&state).await?))
}
